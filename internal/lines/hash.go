package lines

// Hash is 64-bit FNV-1a of line, the basis of the deterministic record ids
// the CSV decoders derive for formats without an id column. It is stable
// across processes and releases (unlike hash/maphash), so a replayed file
// yields the same ids; byte-identical lines share an id by design.
func Hash(line []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range line {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// AppendHex16 appends v as 16 lower-case hex digits.
func AppendHex16(dst []byte, v uint64) []byte {
	const digits = "0123456789abcdef"
	for shift := 60; shift >= 0; shift -= 4 {
		dst = append(dst, digits[(v>>uint(shift))&0xf])
	}
	return dst
}
