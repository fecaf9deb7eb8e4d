package store

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Tx is a stored transaction (the transactions table).
type Tx struct {
	ID              string    `json:"tx_id"`
	TS              time.Time `json:"ts"`
	Amount          string    `json:"amount"`
	Currency        string    `json:"currency"`
	AmountEUR       string    `json:"amount_eur"`
	DebtorAccount   string    `json:"debtor_account"`
	DebtorName      string    `json:"debtor_name"`
	DebtorCountry   string    `json:"debtor_country"`
	CreditorAccount string    `json:"creditor_account"`
	CreditorName    string    `json:"creditor_name"`
	CreditorCountry string    `json:"creditor_country"`
	Channel         string    `json:"channel"`
	CrossBorder     bool      `json:"cross_border"`
}

const txCols = `tx_id, ts, toString(amount), currency, toString(amount_eur), debtor_account, debtor_name,
	debtor_country, creditor_account, creditor_name, creditor_country, channel, cross_border`

func scanTx(r scanner, t *Tx) error {
	var cb uint8
	if err := r.Scan(&t.ID, &t.TS, &t.Amount, &t.Currency, &t.AmountEUR, &t.DebtorAccount, &t.DebtorName,
		&t.DebtorCountry, &t.CreditorAccount, &t.CreditorName, &t.CreditorCountry, &t.Channel, &cb); err != nil {
		return fmt.Errorf("scan transaction: %w", err)
	}
	t.TS = t.TS.UTC()
	t.CrossBorder = cb != 0
	return nil
}

func (s *Store) queryTxs(ctx context.Context, q string, args ...any) ([]Tx, error) {
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query transactions: %w", err)
	}
	defer rows.Close()
	out := []Tx{}
	for rows.Next() {
		var t Tx
		if err := scanTx(rows, &t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read transactions: %w", err)
	}
	return out, nil
}

// Transaction returns one stored transaction, or nil when the screening
// process did not store transactions.
func (s *Store) Transaction(ctx context.Context, id string) (*Tx, error) {
	txs, err := s.queryTxs(ctx, "SELECT "+txCols+" FROM transactions PREWHERE tx_id = ? LIMIT 1", id)
	if err != nil || len(txs) == 0 {
		return nil, err
	}
	return &txs[0], nil
}

// Around returns the transactions in which any of the accounts took part
// within window of at, oldest first, at most limit.
func (s *Store) Around(ctx context.Context, accounts []string, at time.Time, window time.Duration, limit int) ([]Tx, error) {
	in := inList(len(accounts))
	q := "SELECT " + txCols + " FROM transactions PREWHERE debtor_account IN " + in + " OR creditor_account IN " + in + " WHERE ts >= ? AND ts <= ?" +
		" ORDER BY ts, tx_id LIMIT 1 BY tx_id LIMIT " + strconv.Itoa(limit)
	args := append(strArgs(accounts), strArgs(accounts)...)
	return s.queryTxs(ctx, q, append(args, at.Add(-window).UTC(), at.Add(window).UTC())...)
}

// TransactionsByID returns the given transactions, oldest first.
func (s *Store) TransactionsByID(ctx context.Context, ids []string) ([]Tx, error) {
	if len(ids) == 0 {
		return []Tx{}, nil
	}
	return s.queryTxs(ctx, "SELECT "+txCols+" FROM transactions PREWHERE tx_id IN "+inList(len(ids))+" ORDER BY ts, tx_id LIMIT 1 BY tx_id", strArgs(ids)...)
}

// ScanTransactions calls each for every stored transaction with from <= ts
// < to, in time order (the backtest's input). each's error stops the scan.
func (s *Store) ScanTransactions(ctx context.Context, from, to time.Time, each func(*Tx) error) error {
	rows, err := s.conn.Query(ctx, "SELECT "+txCols+" FROM transactions WHERE ts >= ? AND ts < ? ORDER BY ts, tx_id LIMIT 1 BY tx_id",
		from.UTC(), to.UTC())
	if err != nil {
		return fmt.Errorf("query transactions for backtest: %w", err)
	}
	defer rows.Close()
	var t Tx
	for rows.Next() {
		if err := scanTx(rows, &t); err != nil {
			return err
		}
		if err := each(&t); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read transactions for backtest: %w", err)
	}
	return nil
}

// CountTransactions counts stored transactions with from <= ts < to.
func (s *Store) CountTransactions(ctx context.Context, from, to time.Time) (uint64, error) {
	var n uint64
	err := s.conn.QueryRow(ctx, "SELECT count() FROM transactions WHERE ts >= ? AND ts < ?", from.UTC(), to.UTC()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count transactions: %w", err)
	}
	return n, nil
}
