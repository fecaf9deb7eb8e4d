package users

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// Roles, least to most privileged.
const (
	Analyst    = "analyst"
	Supervisor = "supervisor"
	Admin      = "admin"
)

// User is one console account.
type User struct {
	Name string `json:"name"`
	Role string `json:"role"`
	Hash string `json:"bcrypt"`
}

// AtLeast reports whether the user's role includes role's rights (an admin
// may do what a supervisor may, a supervisor what an analyst may).
func (u User) AtLeast(role string) bool { return rank(u.Role) >= rank(role) && rank(role) > 0 }

func rank(role string) int {
	switch role {
	case Analyst:
		return 1
	case Supervisor:
		return 2
	case Admin:
		return 3
	}
	return 0
}

// File is the users file's content.
type File struct {
	Users []User `json:"users"`
}

var name = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// ValidName reports whether n may name a user (it appears in the audit
// trail and in URLs, so a conservative alphabet).
func ValidName(n string) bool { return name.MatchString(n) }

// MaxBytes bounds the users file.
const MaxBytes = 4 << 20

// Parse decodes and checks a users file.
func Parse(data []byte) (*File, error) {
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("users file larger than %d bytes", MaxBytes)
	}
	var f File
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("decode users file: %w", err)
	}
	seen := map[string]bool{}
	for i, u := range f.Users {
		if !ValidName(u.Name) {
			return nil, fmt.Errorf("user %d: name %q must match %s", i, u.Name, name)
		}
		if seen[u.Name] {
			return nil, fmt.Errorf("user %q listed twice", u.Name)
		}
		seen[u.Name] = true
		if rank(u.Role) == 0 {
			return nil, fmt.Errorf("user %q: role %q must be analyst, supervisor or admin", u.Name, u.Role)
		}
		if _, err := bcrypt.Cost([]byte(u.Hash)); err != nil {
			return nil, fmt.Errorf("user %q: password hash is not bcrypt: %w", u.Name, err)
		}
	}
	return &f, nil
}

// Load reads a users file; a missing file is an empty one.
func Load(path string) (*File, error) {
	dummyHash()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &File{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read users file: %w", err)
	}
	f, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("users file %s: %w", path, err)
	}
	return f, nil
}

// Save writes f atomically (temp file + rename), readable by the owner only.
func (f *File) Save(path string) error {
	sort.Slice(f.Users, func(i, j int) bool { return f.Users[i].Name < f.Users[j].Name })
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode users file: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".users-*")
	if err != nil {
		return fmt.Errorf("write users file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write users file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write users file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write users file: %w", err)
	}
	return nil
}

// MinPassword is the shortest accepted password.
const MinPassword = 10

// Set adds or replaces user n with role and a bcrypt hash of password at
// cost (bcrypt.DefaultCost when 0).
func (f *File) Set(n, role, password string, cost int) error {
	if !ValidName(n) {
		return fmt.Errorf("name %q must match %s", n, name)
	}
	if rank(role) == 0 {
		return fmt.Errorf("role %q must be analyst, supervisor or admin", role)
	}
	if len(password) < MinPassword {
		return fmt.Errorf("password must have at least %d characters", MinPassword)
	}
	if len(password) > 72 {
		return fmt.Errorf("password longer than bcrypt's 72 bytes")
	}
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	u := User{Name: n, Role: role, Hash: string(h)}
	for i := range f.Users {
		if f.Users[i].Name == n {
			f.Users[i] = u
			return nil
		}
	}
	f.Users = append(f.Users, u)
	return nil
}

// Lookup returns user n.
func (f *File) Lookup(n string) (User, bool) {
	for _, u := range f.Users {
		if u.Name == n {
			return u, true
		}
	}
	return User{}, false
}

// dummyHash is compared against when the user does not exist, so a login
// for an unknown name takes as long as one with a wrong password. It is
// made on first use, not at program start, where every socwatch command
// (screen, run, gen …) paid its bcrypt cost, ~60 ms of CPU, for the
// console's sake; Load makes it, so a console has it before its first
// login.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("no such user, constant time"), bcrypt.DefaultCost)
	return h
})

// Authenticate returns the user whose name and password match.
func (f *File) Authenticate(n, password string) (User, bool) {
	u, ok := f.Lookup(n)
	hash := []byte(u.Hash)
	if !ok {
		hash = dummyHash()
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || !ok {
		return User{}, false
	}
	return u, true
}
