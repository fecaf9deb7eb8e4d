// Package users is the console's users file: a JSON document of names,
// roles and bcrypt password hashes, managed by `socwatch console adduser`.
// Passwords are never stored or logged in clear.
package users
