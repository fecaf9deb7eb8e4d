package kafka

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"

	"github.com/socwatch/socwatch/internal/wire"
)

// A state checkpoint of partition P in the state topic (partition P too):
//
//	key "c/P/S/I"  chunk I of the checkpoint in slot S (0 or 1)
//	key "m/P"      the manifest of the newest complete checkpoint
//
// The chunks go first, the manifest only once they are all acknowledged
// and the group has committed the checkpoint's offset, so a manifest
// always names chunks that are there. Two slots alternate: a checkpoint is
// written into the slot the current manifest does not name, so a writer
// that dies half-way never damages the checkpoint a restart needs.
// Compaction keeps the newest record of each key, so the topic holds at
// most two checkpoints per partition.

// manifest describes one complete checkpoint.
type manifest struct {
	partition int32
	offset    int64 // the next offset: the state covers every record before it
	slot      uint8
	seq       uint64   // checkpoints written for the partition, for logs
	sums      []uint32 // CRC32C of each chunk, in order
	// at is each chunk's offset in the state topic, so a restore reads
	// one checkpoint, not every one compaction has not removed yet.
	at        []int64
	createdMs int64
}

const (
	manifestMagic   = "SWCM"
	manifestVersion = 1
	// maxChunks bounds a manifest: 1<<20 chunks of 1 MiB is a terabyte.
	maxChunks = 1 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func manifestKey(p int32) []byte { return []byte("m/" + strconv.Itoa(int(p))) }

func chunkKey(p int32, slot uint8, i int) []byte {
	return []byte("c/" + strconv.Itoa(int(p)) + "/" + strconv.Itoa(int(slot)) + "/" + strconv.Itoa(i))
}

func (m *manifest) encode() []byte {
	b := append([]byte(manifestMagic), manifestVersion)
	b = wire.AppendVarint(b, int64(m.partition))
	b = wire.AppendVarint(b, m.offset)
	b = append(b, m.slot)
	b = wire.AppendUvarint(b, m.seq)
	b = wire.AppendVarint(b, m.createdMs)
	b = wire.AppendUvarint(b, uint64(len(m.sums)))
	prev := int64(0)
	for i, s := range m.sums {
		b = wire.AppendU32(b, s)
		b = wire.AppendVarint(b, m.at[i]-prev)
		prev = m.at[i]
	}
	return wire.AppendU32(b, crc32.Checksum(b, castagnoli))
}

var errManifest = errors.New("state manifest")

// decodeManifest checks a manifest's frame and checksum and decodes it.
func decodeManifest(b []byte) (*manifest, error) {
	if len(b) < len(manifestMagic)+5 || !bytes.HasPrefix(b, []byte(manifestMagic)) {
		return nil, fmt.Errorf("%w: not a manifest", errManifest)
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, castagnoli) != wire.NewReader(b[len(b)-4:]).U32() {
		return nil, fmt.Errorf("%w: checksum mismatch", errManifest)
	}
	r := wire.NewReader(body[len(manifestMagic):])
	if v := r.U8(); v != manifestVersion {
		return nil, fmt.Errorf("%w: version %d, this build reads %d", errManifest, v, manifestVersion)
	}
	m := &manifest{partition: int32(r.Varint()), offset: r.Varint(), slot: r.U8(), seq: r.Uvarint(), createdMs: r.Varint()}
	n := r.Count(maxChunks, 5)
	m.sums, m.at = make([]uint32, n), make([]int64, n)
	prev := int64(0)
	for i := range m.sums {
		m.sums[i] = r.U32()
		m.at[i] = prev + r.Varint()
		if m.at[i] < 0 || i > 0 && m.at[i] <= prev {
			r.Failf("chunk offsets not ascending")
		}
		prev = m.at[i]
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("%w: %w", errManifest, err)
	}
	if m.slot > 1 || m.offset < 0 || n == 0 {
		return nil, fmt.Errorf("%w: slot %d, offset %d, %d chunks", errManifest, m.slot, m.offset, n)
	}
	return m, nil
}
