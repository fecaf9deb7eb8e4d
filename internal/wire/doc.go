// Package wire is the little binary encoding the state checkpoints share:
// append functions for varints, fixed-width integers, floats and
// length-prefixed strings, and a Reader that decodes them with a sticky
// error, so a decoder of untrusted bytes checks once at the end instead of
// after every field and never reads past its input or allocates more than
// the input can hold.
package wire
