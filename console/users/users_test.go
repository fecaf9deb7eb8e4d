package users

import (
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestSetSaveLoadAuthenticate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.json")
	f, err := Load(path)
	if err != nil || len(f.Users) != 0 {
		t.Fatalf("missing file: %v %v", f, err)
	}
	if err := f.Set("ana", Analyst, "correct horse battery", bcrypt.MinCost); err != nil {
		t.Fatal(err)
	}
	if err := f.Set("sup", Supervisor, "another long secret", bcrypt.MinCost); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	g, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		user, pw string
		ok       bool
		role     string
	}{
		{"ana", "correct horse battery", true, Analyst},
		{"ana", "wrong password!", false, ""},
		{"sup", "another long secret", true, Supervisor},
		{"nobody", "correct horse battery", false, ""},
	}
	for _, tc := range tests {
		u, ok := g.Authenticate(tc.user, tc.pw)
		if ok != tc.ok || u.Role != tc.role {
			t.Errorf("Authenticate(%q) = %v %v, want %v %v", tc.user, u.Role, ok, tc.role, tc.ok)
		}
	}
}

func TestSetRejects(t *testing.T) {
	var f File
	tests := []struct{ name, role, pw string }{
		{"Bad Name", Analyst, "long enough pw"},
		{"ok", "root", "long enough pw"},
		{"ok", Analyst, "short"},
		{"ok", Analyst, string(make([]byte, 80))},
	}
	for _, tc := range tests {
		if err := f.Set(tc.name, tc.role, tc.pw, bcrypt.MinCost); err == nil {
			t.Errorf("Set(%q, %q) accepted", tc.name, tc.role)
		}
	}
}

func TestAtLeast(t *testing.T) {
	tests := []struct {
		have, want string
		ok         bool
	}{
		{Analyst, Supervisor, false}, {Supervisor, Supervisor, true}, {Admin, Supervisor, true},
		{Analyst, Analyst, true}, {"", Analyst, false}, {Admin, "bogus", false},
	}
	for _, tc := range tests {
		if got := (User{Role: tc.have}).AtLeast(tc.want); got != tc.ok {
			t.Errorf("%s.AtLeast(%s) = %v", tc.have, tc.want, got)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, doc := range []string{
		`{"users":[{"name":"a","role":"analyst","bcrypt":"plain"}]}`,
		`{"users":[{"name":"a","role":"god","bcrypt":"$2a$04$abcdefghijklmnopqrstuuQ0qF8kO9Gm7qzYcP7l6cYI2mUQh/8ey"}]}`,
		`{"users":[],"extra":1}`,
		`not json`,
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("Parse(%s) accepted", doc)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"users":[{"name":"a","role":"analyst","bcrypt":"$2a$04$abcdefghijklmnopqrstuuQ0qF8kO9Gm7qzYcP7l6cYI2mUQh/8ey"}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		u, err := Parse(data)
		if err != nil {
			return
		}
		for _, x := range u.Users {
			if !ValidName(x.Name) || rank(x.Role) == 0 {
				t.Fatalf("accepted invalid user %+v", x)
			}
		}
	})
}
