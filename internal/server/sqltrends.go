package server

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"
)

// A TrendRow is one day's count of done cases with a cause or a failing
// KB: Kind is "cause" or "kb", Key the cause ID or the KB.
type TrendRow struct {
	Day   string `json:"day"` // 2006-01-02, UTC
	Kind  string `json:"kind"`
	Key   string `json:"key"`
	Cases int    `json:"cases"`
}

// DeleteCase removes the case and its artifacts in one transaction.
func (s *sqlStore) DeleteCase(ctx context.Context, id string) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.d.rebind(`DELETE FROM cases WHERE id = ?`), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		_, err = tx.ExecContext(ctx, s.d.rebind(`DELETE FROM artifacts WHERE case_id = ?`), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete case %s: %w", id, err)
	}
	return nil
}

// Trends reads the lists of the matching done cases and counts them in
// Go: the lists are stored as " a b " text (see joinList), which the
// two databases cannot split alike in SQL. The same query runs on
// SQLite and PostgreSQL.
func (s *sqlStore) Trends(ctx context.Context, since time.Time, cause, kb string) ([]TrendRow, error) {
	q := `SELECT created, kbs, causes FROM cases WHERE status = 'done' AND created >= ?`
	args := []any{millis(since)}
	if cause != "" {
		q += ` AND causes LIKE ? ESCAPE '\'`
		args = append(args, "% "+escapeLike(cause)+" %")
	}
	if kb != "" {
		q += ` AND kbs LIKE ? ESCAPE '\'`
		args = append(args, "% "+escapeLike(normKB(kb))+" %")
	}
	rows, err := s.read().QueryContext(ctx, s.d.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("trends: %w", err)
	}
	defer rows.Close()
	type key struct{ day, kind, key string }
	counts := map[key]int{}
	for rows.Next() {
		var (
			created     int64
			kbs, causes string
		)
		if err := rows.Scan(&created, &kbs, &causes); err != nil {
			return nil, fmt.Errorf("trends: %w", err)
		}
		day := fromMillis(created).Format("2006-01-02")
		for _, c := range uniq(splitList(causes)) {
			counts[key{day, "cause", c}]++
		}
		for _, k := range uniq(splitList(kbs)) {
			counts[key{day, "kb", k}]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("trends: %w", err)
	}
	out := make([]TrendRow, 0, len(counts))
	for k, n := range counts {
		out = append(out, TrendRow{Day: k.day, Kind: k.kind, Key: k.key, Cases: n})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Day != b.Day {
			return a.Day < b.Day
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Cases != b.Cases {
			return a.Cases > b.Cases
		}
		return a.Key < b.Key
	})
	return out, nil
}

// uniq drops repeated items, keeping the first of each: a case counts
// once per cause and KB.
func uniq(items []string) []string {
	seen := make(map[string]bool, len(items))
	out := items[:0:0]
	for _, it := range items {
		if !seen[it] {
			seen[it] = true
			out = append(out, it)
		}
	}
	return out
}
