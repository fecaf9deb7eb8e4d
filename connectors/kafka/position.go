package kafka

import (
	"fmt"
	"strconv"
	"strings"
)

// appendPosition appends "topic/partition@offset", the engine.Record
// Position of a Kafka record.
func appendPosition(b []byte, topic string, partition int32, offset int64) []byte {
	b = append(b, topic...)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(partition), 10)
	b = append(b, '@')
	return strconv.AppendInt(b, offset, 10)
}

func formatPosition(topic string, partition int32, offset int64) string {
	return string(appendPosition(make([]byte, 0, len(topic)+24), topic, partition, offset))
}

// parsePosition splits a Position written by formatPosition. Kafka topic
// names cannot contain '/' or '@', so the last of each is the separator.
func parsePosition(pos string) (topic string, partition int32, offset int64, err error) {
	at := strings.LastIndexByte(pos, '@')
	if at < 0 {
		return "", 0, 0, fmt.Errorf("parse kafka position %q: no '@'", pos)
	}
	slash := strings.LastIndexByte(pos[:at], '/')
	if slash <= 0 {
		return "", 0, 0, fmt.Errorf("parse kafka position %q: no topic", pos)
	}
	p, err := strconv.ParseInt(pos[slash+1:at], 10, 32)
	if err != nil || p < 0 {
		return "", 0, 0, fmt.Errorf("parse kafka position %q: bad partition", pos)
	}
	o, err := strconv.ParseInt(pos[at+1:], 10, 64)
	if err != nil || o < 0 {
		return "", 0, 0, fmt.Errorf("parse kafka position %q: bad offset", pos)
	}
	return pos[:slash], int32(p), o, nil
}
