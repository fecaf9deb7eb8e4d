// Package iban checks International Bank Account Numbers (ISO 13616) and
// derives the country they belong to, so enrichment can fill a party's
// country when a feed leaves it empty. A string is a valid IBAN when it has a
// known country code, the registered length for that country, two check
// digits in 02..98 and a mod-97 remainder of 1; spaces and lower case are
// accepted as people write them. The national BBAN layout (which positions
// are digits) is not checked: the mod-97 test catches typing errors, and a
// layout check would add a table per country for little gain in screening.
// Lengths follow the SWIFT IBAN registry.
package iban
