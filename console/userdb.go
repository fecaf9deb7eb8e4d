package console

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/socwatch/socwatch/console/users"
)

// userDB serves the users file and re-reads it when it changes, so
// `socwatch console adduser` takes effect without a restart.
type userDB struct {
	path string

	mu    sync.Mutex
	file  *users.File
	mtime time.Time
	size  int64
}

func openUserDB(path string) (*userDB, error) {
	db := &userDB{path: path}
	if _, err := db.current(); err != nil {
		return nil, err
	}
	return db, nil
}

// current returns the users file, re-read if its modification time or size
// changed. A file that became unreadable keeps the last good content (and
// the error is returned so the caller can log it).
func (db *userDB) current() (*users.File, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	st, err := os.Stat(db.path)
	if err != nil {
		if db.file != nil {
			return db.file, fmt.Errorf("stat users file: %w", err)
		}
		return nil, fmt.Errorf("users file %s: %w (create it with socwatch console adduser)", db.path, err)
	}
	if db.file != nil && st.ModTime().Equal(db.mtime) && st.Size() == db.size {
		return db.file, nil
	}
	f, err := users.Load(db.path)
	if err != nil {
		if db.file != nil {
			return db.file, err
		}
		return nil, err
	}
	db.file, db.mtime, db.size = f, st.ModTime(), st.Size()
	return f, nil
}

func (db *userDB) lookup(name string) (users.User, bool) {
	f, _ := db.current()
	if f == nil {
		return users.User{}, false
	}
	return f.Lookup(name)
}

func (db *userDB) names() []string {
	f, _ := db.current()
	if f == nil {
		return nil
	}
	out := make([]string, 0, len(f.Users))
	for _, u := range f.Users {
		out = append(out, u.Name)
	}
	return out
}
