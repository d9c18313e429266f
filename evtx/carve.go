package evtx

import "slices"

// Carving deleted records (Options.Recover).
//
// A chunk that Windows reuses gets a new header and its first new record
// is written at offset 512 over the oldest ones; the older records behind
// the new ones stay in the chunk's slack space. Their template instances
// still point at template definitions and names that lived in the
// overwritten records. The carver
//
//   - checks each name it reads against the hash stored with it, and each
//     template definition against the template ID of the instance (the
//     first four bytes of the definition's GUID);
//   - replaces a definition that is gone by an intact one with the same
//     template ID and a matching substitution layout: from the same chunk
//     (often a live record's) or from an earlier chunk of the file;
//   - failing that, reads the values by the standard System layout
//     (salvage), which also finds the nested payload (value type 0x21)
//     whose own template is stored inline and so survives;
//   - guesses names that are gone from where they are (kLost).
//
// Such events are marked Recovered and Inferred.

// errTemplateGone is returned by fragment for a carved record whose
// template definition was overwritten and has no stand-in.
var errTemplateGone = errf(ErrCorrupt, "template definition overwritten")

// A templateRegistry holds intact templates of the chunks already decoded,
// by template ID, for carved records of later chunks. It is written only
// between chunks and read while one is decoded, so it needs no lock.
type templateRegistry struct {
	byID map[uint32][]*template
	ops  int // ops held, bounded by maxRegistryOps
}

const (
	maxRegistryOps = 1 << 18 // about 10 MB of compiled templates
	maxPerID       = 4       // distinct templates kept per template ID
)

// get returns a template with ID id that fits vals, or nil; d pays for
// the checks.
func (r *templateRegistry) get(d *chunkDecoder, id uint32, vals []subValue) *template {
	if r == nil {
		return nil
	}
	for _, t := range r.byID[id] {
		if d.fits(t, vals) {
			return t
		}
	}
	return nil
}

// addChunk adds the intact templates of chunk decoder d, in ID order so
// that what the bounds keep does not depend on map order.
func (r *templateRegistry) addChunk(d *chunkDecoder) {
	if len(d.byID) == 0 || r.ops >= maxRegistryOps {
		return
	}
	if r.byID == nil {
		r.byID = make(map[uint32][]*template)
	}
	ids := make([]uint32, 0, len(d.byID))
	for id := range d.byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		t := d.byID[id]
		have := r.byID[id]
		if len(have) >= maxPerID || r.ops+len(t.ops) > maxRegistryOps || slices.ContainsFunc(have, func(h *template) bool { return sameOps(h.ops, t.ops) }) {
			continue
		}
		r.byID[id] = append(have, t)
		r.ops += len(t.ops)
	}
}

func sameOps(a, b []op) bool {
	return slices.Equal(a, b)
}
