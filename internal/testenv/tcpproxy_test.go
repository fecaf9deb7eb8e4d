package testenv

import (
	"bufio"
	"net"
	"os"
	"testing"
	"time"
)

// echoServer answers every line with the same line.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					c.Write(append(sc.Bytes(), '\n'))
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(addr, msg string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte(msg + "\n")); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return line, err
}

func TestTCPProxyOutage(t *testing.T) {
	p := StartTCPProxy(t, echoServer(t))
	steps := []struct {
		name   string
		action func()
		wantOK bool
	}{
		{"forwards", func() {}, true},
		{"stopped refuses", p.Stop, false},
		{"restarted forwards on the same port", p.Start, true},
	}
	addr := p.Addr()
	for _, s := range steps {
		s.action()
		if p.Addr() != addr {
			t.Fatalf("%s: address changed from %s to %s", s.name, addr, p.Addr())
		}
		got, err := roundTrip(addr, "ping "+s.name)
		if ok := err == nil && got == "ping "+s.name+"\n"; ok != s.wantOK {
			t.Errorf("%s: got %q, %v; want ok=%v", s.name, got, err, s.wantOK)
		}
	}
}

func TestTCPProxyStopCutsLiveConnections(t *testing.T) {
	p := StartTCPProxy(t, echoServer(t))
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	c.Write([]byte("a\n"))
	if _, err := r.ReadString('\n'); err != nil {
		t.Fatalf("before stop: %v", err)
	}
	p.Stop()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	c.Write([]byte("b\n"))
	if line, err := r.ReadString('\n'); err == nil {
		t.Fatalf("live connection still answered %q after Stop", line)
	}
}

func TestParseStatusKiB(t *testing.T) {
	status, err := os.ReadFile("testdata/proc_status.txt")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, status, field string
		want                int64
		wantErr             bool
	}{
		{"fixture VmHWM", string(status), "VmHWM", 48312, false},
		{"fixture VmRSS", string(status), "VmRSS", 47100, false},
		{"missing field", string(status), "VmNope", 0, true},
		{"no unit", "VmHWM:\t123\n", "VmHWM", 0, true},
		{"not a number", "VmHWM:\tabc kB\n", "VmHWM", 0, true},
		{"negative", "VmHWM:\t-5 kB\n", "VmHWM", 0, true},
		{"prefix is not a match", "VmHWMx:\t5 kB\n", "VmHWM", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStatusKiB([]byte(tt.status), tt.field)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseStatusKiB(%s) = %d, %v; want %d, err=%v", tt.field, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestPeakRSSOfSelf(t *testing.T) {
	kib, err := PeakRSSKiB(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if kib <= 0 {
		t.Fatalf("peak RSS of the test process = %d KiB", kib)
	}
}

func FuzzParseStatusKiB(f *testing.F) {
	f.Add([]byte("VmHWM:\t 1234 kB\n"), "VmHWM")
	f.Add([]byte("Name:\tx\nVmHWM:\n"), "VmHWM")
	f.Add([]byte(""), "")
	f.Fuzz(func(t *testing.T, status []byte, field string) {
		n, err := ParseStatusKiB(status, field)
		if err == nil && n < 0 {
			t.Fatalf("negative size %d without error", n)
		}
	})
}
