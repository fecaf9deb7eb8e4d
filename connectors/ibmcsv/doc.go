// Package ibmcsv decodes IBM AMLworld transaction CSV (Altman et al.,
// NeurIPS 2023) into engine.Tx. Columns are found by header name, so IBM's
// original header (two columns both named "Account"), the flattened
// patterns file with "Pattern ID/Family/Name", and the snake_case sample
// export all work; extra columns are ignored. The debtor side is the paying
// side (Amount Paid, Payment Currency); accounts are "bank:account"; the
// file has no id column, so tx_id is derived from a hash of the raw line.
// Label exposes the ground-truth columns for quality tools without a second
// parser.
package ibmcsv
