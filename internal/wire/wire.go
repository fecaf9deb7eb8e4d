package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// AppendUvarint appends v as an unsigned varint.
func AppendUvarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

// AppendVarint appends v as a zig-zag varint.
func AppendVarint(b []byte, v int64) []byte { return binary.AppendVarint(b, v) }

// AppendU32 appends v as 4 little-endian bytes.
func AppendU32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }

// AppendU64 appends v as 8 little-endian bytes.
func AppendU64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

// AppendF64 appends the bits of v (NaN payloads kept).
func AppendF64(b []byte, v float64) []byte { return AppendU64(b, math.Float64bits(v)) }

// AppendString appends s with its length as a uvarint.
func AppendString(b []byte, s string) []byte {
	return append(AppendUvarint(b, uint64(len(s))), s...)
}

// AppendBool appends 1 or 0.
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// ErrShort is the error of a read past the end of the input.
var ErrShort = errors.New("truncated input")

// Reader decodes what the Append functions wrote. The first failure sticks:
// later reads return zero values, and Err reports it.
type Reader struct {
	b   []byte
	err error
}

// NewReader reads b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Err is the first failure, or nil.
func (r *Reader) Err() error { return r.err }

// Fail records err (if none yet) and returns it.
func (r *Reader) Fail(err error) error {
	if r.err == nil {
		r.err = err
		r.b = nil
	}
	return r.err
}

// Failf records a formatted error.
func (r *Reader) Failf(format string, args ...any) error { return r.Fail(fmt.Errorf(format, args...)) }

// Len is the number of unread bytes.
func (r *Reader) Len() int { return len(r.b) }

// Uvarint reads an unsigned varint.
func (r *Reader) Uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.Fail(ErrShort)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// Varint reads a zig-zag varint.
func (r *Reader) Varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.Fail(ErrShort)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// Count reads a uvarint element count and checks it against max and
// against the unread bytes (each element takes at least minBytes), so a
// corrupt count can never make the caller allocate more than the input
// justifies.
func (r *Reader) Count(max int, minBytes int) int {
	v := r.Uvarint()
	if r.err != nil {
		return 0
	}
	if v > uint64(max) || (minBytes > 0 && v > uint64(len(r.b)/minBytes)) {
		r.Failf("count %d exceeds its bound (max %d, %d bytes left)", v, max, len(r.b))
		return 0
	}
	return int(v)
}

// U8 reads one byte.
func (r *Reader) U8() uint8 {
	if len(r.b) < 1 {
		r.Fail(ErrShort)
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

// Bool reads a byte that must be 0 or 1.
func (r *Reader) Bool() bool {
	switch r.U8() {
	case 0:
		return false
	case 1:
		return true
	}
	r.Failf("invalid boolean")
	return false
}

// U32 reads 4 little-endian bytes.
func (r *Reader) U32() uint32 {
	if len(r.b) < 4 {
		r.Fail(ErrShort)
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

// U64 reads 8 little-endian bytes.
func (r *Reader) U64() uint64 {
	if len(r.b) < 8 {
		r.Fail(ErrShort)
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

// F64 reads a float64's bits.
func (r *Reader) F64() float64 { return math.Float64frombits(r.U64()) }

// Bytes reads a length-prefixed byte string, aliasing the input.
func (r *Reader) Bytes() []byte {
	n := r.Count(math.MaxInt32, 1)
	if r.err != nil {
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// String reads a length-prefixed string (a copy).
func (r *Reader) String() string { return string(r.Bytes()) }

// Rest returns the unread bytes and consumes them.
func (r *Reader) Rest() []byte {
	v := r.b
	r.b = nil
	return v
}

// Done fails unless every byte was read.
func (r *Reader) Done() error {
	if r.err == nil && len(r.b) != 0 {
		r.Failf("%d trailing bytes", len(r.b))
	}
	return r.err
}
