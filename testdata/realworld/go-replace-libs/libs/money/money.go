// Package money holds amounts in cents.
package money

// Cents is an amount of money.
type Cents int64
