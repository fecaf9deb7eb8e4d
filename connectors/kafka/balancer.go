package kafka

import (
	"encoding/binary"
	"math"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// singleOwnerProtocol is the group protocol name of singleOwnerBalancer.
// Members of one group must agree on it: an instance of an older release
// (cooperative-sticky) cannot join a group of this one, which the broker
// refuses with INCONSISTENT_GROUP_PROTOCOL rather than splitting the merge.
const singleOwnerProtocol = "socwatch-single-owner-v1"

// singleOwnerBalancer assigns every partition of a topic to one member of
// the group: the longest-lived one (the earliest start time in its join
// metadata; the member id breaks ties). The re-key stage uses it so that,
// however many instances run, exactly one merges all input partitions in
// event-time order and the internal topic has one order; the others stand
// by and the next longest-lived takes over when the owner leaves or its
// session expires. A newly started instance never takes the partitions
// away from a running owner, so a deploy or scale-out does not move them.
//
// The protocol is eager: at every rebalance the owner gives its partitions
// up (drains, commits) and gets them back, so no two members ever merge at
// once.
type singleOwnerBalancer struct {
	// started is this member's start time, sent in its join metadata.
	started time.Time
}

var _ kgo.GroupBalancer = (*singleOwnerBalancer)(nil)
var _ kgo.ConsumerBalancerBalance = (*singleOwnerBalancer)(nil)

func (*singleOwnerBalancer) ProtocolName() string { return singleOwnerProtocol }
func (*singleOwnerBalancer) IsCooperative() bool  { return false }

func (b *singleOwnerBalancer) JoinGroupMetadata(interests []string, _ map[string][]int32, generation int32) []byte {
	meta := kmsg.NewConsumerMemberMetadata()
	meta.Version = 3
	meta.Topics = interests
	meta.UserData = encodeStarted(b.started)
	meta.Generation = generation
	return meta.AppendTo(nil)
}

func (*singleOwnerBalancer) ParseSyncAssignment(assignment []byte) (map[string][]int32, error) {
	return kgo.ParseConsumerSyncAssignment(assignment)
}

func (b *singleOwnerBalancer) MemberBalancer(members []kmsg.JoinGroupResponseMember) (kgo.GroupMemberBalancer, map[string]struct{}, error) {
	cb, err := kgo.NewConsumerBalancer(b, members)
	if err != nil {
		return nil, nil, err
	}
	return cb, cb.MemberTopics(), nil
}

// Balance gives each topic, all its partitions, to its longest-lived
// subscriber.
func (*singleOwnerBalancer) Balance(cb *kgo.ConsumerBalancer, topics map[string]int32) kgo.IntoSyncAssignment {
	type candidate struct {
		member  *kmsg.JoinGroupResponseMember
		started int64
	}
	owners := make(map[string]candidate)
	cb.EachMember(func(m *kmsg.JoinGroupResponseMember, meta *kmsg.ConsumerMemberMetadata) {
		started := decodeStarted(meta.UserData)
		for _, t := range meta.Topics {
			cur, ok := owners[t]
			if !ok || started < cur.started || (started == cur.started && m.MemberID < cur.member.MemberID) {
				owners[t] = candidate{m, started}
			}
		}
	})
	names := make([]string, 0, len(owners))
	for t := range owners {
		names = append(names, t)
	}
	sort.Strings(names)
	plan := cb.NewPlan()
	for _, t := range names {
		n := topics[t]
		parts := make([]int32, n)
		for p := range parts {
			parts[p] = int32(p)
		}
		plan.AddPartitions(owners[t].member, t, parts)
	}
	return plan
}

// encodeStarted is the join metadata's user data: the start time in Unix
// nanoseconds, big-endian.
func encodeStarted(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano()))
}

// decodeStarted reads encodeStarted's output; anything else sorts last, so
// a member that sent no start time never takes the partitions from one
// that did.
func decodeStarted(b []byte) int64 {
	if len(b) != 8 {
		return math.MaxInt64
	}
	return int64(binary.BigEndian.Uint64(b))
}
