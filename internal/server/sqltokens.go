package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Reanalyse moves the case's rule set version and causes to the
// previous ones and queues it again; its artifacts stay until the new
// result replaces them.
func (s *sqlStore) Reanalyse(ctx context.Context, id string) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE cases SET status = 'queued', started = 0, finished = 0, heartbeat = 0,
			attempts = 0, error = '', prev_rules_version = rules_version, prev_causes = causes
			WHERE id = ? AND status IN ('done', 'failed')`), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n > 0 {
			return nil
		}
		var st string
		err = tx.QueryRowContext(ctx, s.d.rebind(`SELECT status FROM cases WHERE id = ?`), id).Scan(&st)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		return ErrBusy
	})
	if err != nil {
		return fmt.Errorf("reanalyse case %s: %w", id, err)
	}
	return nil
}

// isUniqueViolation reports whether err is a duplicate key in either
// database.
func isUniqueViolation(err error) bool {
	m := strings.ToLower(err.Error())
	return strings.Contains(m, "unique") || strings.Contains(m, "duplicate key")
}

func (s *sqlStore) AddToken(ctx context.Context, name, hash string, created time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO tokens (name, hash, created) VALUES (?, ?, ?)`, name, hash, millis(created))
	if err != nil && isUniqueViolation(err) {
		err = ErrExists
	}
	if err != nil {
		return fmt.Errorf("add token %s: %w", name, err)
	}
	return nil
}

func (s *sqlStore) Tokens(ctx context.Context) ([]TokenInfo, error) {
	rows, err := s.read().QueryContext(ctx, `SELECT name, created FROM tokens ORDER BY created, name`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []TokenInfo
	for rows.Next() {
		var (
			t       TokenInfo
			created int64
		)
		if err := rows.Scan(&t.Name, &created); err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		t.Created = fromMillis(created)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

func (s *sqlStore) RevokeToken(ctx context.Context, name string) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.d.rebind(`DELETE FROM tokens WHERE name = ?`), name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		_, err = tx.ExecContext(ctx, s.d.rebind(`DELETE FROM sessions WHERE who = ?`), name)
		return err
	})
	if err != nil {
		return fmt.Errorf("revoke token %s: %w", name, err)
	}
	return nil
}

func (s *sqlStore) TokenName(ctx context.Context, hash string) (string, error) {
	var name string
	err := s.read().QueryRowContext(ctx, s.d.rebind(`SELECT name FROM tokens WHERE hash = ?`), hash).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("look up token: %w", err)
	}
	return name, nil
}
