// Package file holds the outputs of file mode (`socwatch screen`): an
// engine.Sink writing alerts as JSON lines, and an engine.DeadLetter writing
// rejected records with their position and reason. Both write synchronously,
// so a batch is durable (in the OS) when its done is called.
package file
