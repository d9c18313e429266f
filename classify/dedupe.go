package classify

// dedupe drops evidence that another input already gave: the same log
// copied twice, a rotated CbsPersist log that overlaps CBS.log, an event
// log exported twice. Evidence is the same when its signal, kind, time,
// text and record agree; repeats within one file are kept.
func dedupe(ev []Evidence) []Evidence {
	type key struct {
		signal, text string
		kind         Kind
		time         int64
		record       uint64
	}
	first := make(map[key]string, len(ev))
	kept := ev[:0]
	for _, e := range ev {
		if e.Time.IsZero() {
			kept = append(kept, e) // without a time, sameness cannot be told
			continue
		}
		k := key{signal: e.Signal, text: e.Text, kind: e.Kind, time: e.Time.UnixNano(), record: e.Record}
		if f, ok := first[k]; ok && f != e.File {
			continue
		}
		if _, ok := first[k]; !ok {
			first[k] = e.File
		}
		kept = append(kept, e)
	}
	return kept
}
