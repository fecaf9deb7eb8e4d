// Package eventtime keeps one stream's event-time watermark safe from
// timestamps in the future. A Guard judges each event before the stream
// uses it: an event more than the bound ahead of the watermark (the newest
// event time accepted so far), or more than the wall-clock bound ahead of
// the clock, is refused, so a single mis-dated record can neither move the
// watermark nor evict state nor hold back an ordered merge.
//
// A feed that was genuinely silent for longer than the bound would then be
// refused for ever, so a Guard recovers: RecoverAfter refused events in a
// row (no accepted event between them), all within the bound of each other
// and all within the wall-clock bound, move the watermark to the earliest
// of them, and the events after them are judged against it. The events of
// that run stay refused. The decision depends only on the sequence of event
// times (and on the clock, when a wall-clock bound is set), so two streams
// fed the same sequence decide the same way.
package eventtime
