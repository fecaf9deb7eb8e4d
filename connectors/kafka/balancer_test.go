package kafka

import (
	"reflect"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// joinMember is one group member as the leader sees it in JoinGroup.
func joinMember(t *testing.T, id string, userData []byte, topics ...string) kmsg.JoinGroupResponseMember {
	t.Helper()
	meta := kmsg.NewConsumerMemberMetadata()
	meta.Version = 3
	meta.Topics = topics
	meta.UserData = userData
	return kmsg.JoinGroupResponseMember{MemberID: id, ProtocolMetadata: meta.AppendTo(nil)}
}

// balance runs the leader's side of a rebalance and returns each member's
// assignment.
func balance(t *testing.T, members []kmsg.JoinGroupResponseMember, topics map[string]int32) map[string]map[string][]int32 {
	t.Helper()
	var b singleOwnerBalancer
	mb, _, err := b.MemberBalancer(members)
	if err != nil {
		t.Fatalf("member balancer: %v", err)
	}
	plan, err := mb.(kgo.GroupMemberBalancerOrError).BalanceOrError(topics)
	if err != nil {
		t.Fatalf("balance: %v", err)
	}
	out := map[string]map[string][]int32{}
	for _, a := range plan.IntoSyncAssignment() {
		parts, err := b.ParseSyncAssignment(a.MemberAssignment)
		if err != nil {
			t.Fatalf("parse assignment of %s: %v", a.MemberID, err)
		}
		if len(parts) > 0 {
			out[a.MemberID] = parts
		}
	}
	return out
}

func TestSingleOwnerBalancerGivesEveryPartitionToTheLongestLived(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	started := func(d time.Duration) []byte { return encodeStarted(t0.Add(d)) }
	all := map[string][]int32{"in": {0, 1, 2, 3}}
	cases := []struct {
		name    string
		members []kmsg.JoinGroupResponseMember
		want    map[string]map[string][]int32
	}{
		{"one member", []kmsg.JoinGroupResponseMember{joinMember(t, "a", started(0), "in")},
			map[string]map[string][]int32{"a": all}},
		{"oldest wins whatever its id", []kmsg.JoinGroupResponseMember{
			joinMember(t, "a", started(2*time.Second), "in"),
			joinMember(t, "b", started(0), "in"),
			joinMember(t, "c", started(time.Second), "in")},
			map[string]map[string][]int32{"b": all}},
		{"equal start times: lowest member id", []kmsg.JoinGroupResponseMember{
			joinMember(t, "b", started(0), "in"),
			joinMember(t, "a", started(0), "in")},
			map[string]map[string][]int32{"a": all}},
		{"member without a start time sorts last", []kmsg.JoinGroupResponseMember{
			joinMember(t, "a", nil, "in"),
			joinMember(t, "b", started(time.Hour), "in")},
			map[string]map[string][]int32{"b": all}},
		{"each topic to its oldest subscriber", []kmsg.JoinGroupResponseMember{
			joinMember(t, "a", started(0), "in"),
			joinMember(t, "b", started(time.Second), "in", "other")},
			map[string]map[string][]int32{"a": all, "b": {"other": {0, 1}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := balance(t, tc.members, map[string]int32{"in": 4, "other": 2})
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("assignment = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSingleOwnerJoinMetadataCarriesStartTime(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)
	b := singleOwnerBalancer{started: at}
	var meta kmsg.ConsumerMemberMetadata
	if err := meta.ReadFrom(b.JoinGroupMetadata([]string{"in"}, nil, 7)); err != nil {
		t.Fatal(err)
	}
	if got := decodeStarted(meta.UserData); got != at.UnixNano() {
		t.Errorf("start time = %d, want %d", got, at.UnixNano())
	}
	if !reflect.DeepEqual(meta.Topics, []string{"in"}) || meta.Generation != 7 {
		t.Errorf("metadata = %+v", meta)
	}
}

func FuzzDecodeStarted(f *testing.F) {
	f.Add(encodeStarted(time.Unix(0, 42)))
	f.Add([]byte{})
	f.Add([]byte("not a time"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v := decodeStarted(b)
		if len(b) == 8 {
			if got := decodeStarted(encodeStarted(time.Unix(0, v))); got != v {
				t.Fatalf("round trip %d -> %d", v, got)
			}
		}
	})
}
