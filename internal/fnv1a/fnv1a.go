// Package fnv1a is the one 64-bit FNV-1a hash of the tree: the
// distinct-value and duplicate-copy hash of the windows and the basis of
// the record ids the CSV decoders derive. Unlike hash/fnv it takes a string
// or a byte slice directly and never allocates; unlike hash/maphash it is
// the same in every process and release, so a replay rebuilds identical
// state and a re-read file yields identical ids.
package fnv1a

const (
	offset64 = 14695981039346656037
	prime64  = 1099511628211
)

// Sum64 returns the 64-bit FNV-1a hash of b.
func Sum64[T ~string | ~[]byte](b T) uint64 {
	h := uint64(offset64)
	for i := 0; i < len(b); i++ {
		h ^= uint64(b[i])
		h *= prime64
	}
	return h
}
