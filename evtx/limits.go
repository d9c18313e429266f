package evtx

// Default limits for exported logs (XML and text). Exports come from
// strangers' machines and a few hundred KB of compressed input can expand
// to gigabytes, so each is read with bounded memory: one event, one token
// and one event's text lines each have a ceiling, and what passes it is
// skipped with a *RecordError rather than kept. Real events are far below
// every default: a binary record is at most 64 KiB, so no honest export of
// one is near a megabyte.
const (
	// DefaultMaxDepth is how deep elements may nest inside one event.
	// Real events nest 4 to 6 deep.
	DefaultMaxDepth = 64
	// DefaultMaxEventBytes is how many bytes of input one exported event
	// may span; a longer one is skipped with a warning naming its offset.
	DefaultMaxEventBytes = 16 << 20
	// DefaultMaxToken is the longest text, attribute value or name kept
	// from an XML export, and the longest line kept from a text export.
	DefaultMaxToken = 1 << 20
	// DefaultMaxTextLines is how many lines of one text-export event's
	// description are kept; the rest is dropped with a warning.
	DefaultMaxTextLines = 10000
)

// limits are the effective limits of a Reader.
type limits struct {
	depth, eventBytes, token, lines int
}

func (o *Options) limits() limits {
	pick := func(v, def int) int {
		if v <= 0 {
			return def
		}
		return v
	}
	return limits{
		depth:      pick(o.MaxDepth, DefaultMaxDepth),
		eventBytes: pick(o.MaxEventBytes, DefaultMaxEventBytes),
		token:      pick(o.MaxToken, DefaultMaxToken),
		lines:      pick(o.MaxTextLines, DefaultMaxTextLines),
	}
}

// appendCapped appends p to buf up to limit bytes in all and reports
// whether p had to be cut. Growing doubles the capacity (append grows
// large slices by a quarter, which would allocate about five times the
// limit on the way to a token of that size).
func appendCapped(buf, p []byte, limit int) ([]byte, bool) {
	cut := false
	if room := limit - len(buf); len(p) > room {
		p = p[:max(room, 0)]
		cut = true
	}
	if need := len(buf) + len(p); need > cap(buf) {
		nb := make([]byte, len(buf), min(max(2*cap(buf), need, 512), max(limit, need)))
		copy(nb, buf)
		buf = nb
	}
	return append(buf, p...), cut
}
