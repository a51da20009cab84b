// Package store keeps invoices in PostgreSQL.
package store

import (
	"context"
	"fmt"

	"github.com/example/shop/libs/money"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is the invoice store.
type Store struct{ pool *pgxpool.Pool }

// Open connects to the database.
func Open(ctx context.Context, url string) (*Store, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return &Store{pool: pool}, nil
}

// Close closes the pool.
func (s *Store) Close() { s.pool.Close() }

// Total is a zero amount.
func Total() money.Cents { return 0 }
