// Command flood measures what a flood of unsigned (bad-signature) webhook
// bodies costs a real `devops-lead serve` process in memory: it starts the
// binary, posts maximum-size bodies (24 MB, under GitHub's 25 MB cap) from
// many concurrent senders for a while, and reads the process's resident
// set (VmRSS, and its peak VmHWM) from /proc. Issue #14 measured 1 GB at
// 24 senders and 1.5 GB at 48 before intake was bounded; the goal is under
// 200 MB. Linux only (it reads /proc).
package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	bin := flag.String("bin", "", "the devops-lead binary (built by bench/flood.sh)")
	levels := flag.String("c", "24,48", "concurrent senders per level")
	size := flag.Int("size", 24<<20, "body bytes")
	dur := flag.Duration("d", 15*time.Second, "how long each level floods")
	flag.Parse()
	if err := run(*bin, *levels, *size, *dur); err != nil {
		fmt.Fprintln(os.Stderr, "flood:", err)
		os.Exit(1)
	}
}

func run(bin, levels string, size int, dur time.Duration) error {
	if bin == "" {
		return fmt.Errorf("give -bin")
	}
	dir, err := os.MkdirTemp("", "flood")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	// GitHub is a closed port: serve falls back on GITHUB_APP_SLUG when it
	// cannot ask GET /app, and nothing here reaches a job.
	cmd := exec.Command(bin, "serve", "--listen", addr, "--redelivery-interval", "0")
	cmd.Env = append(os.Environ(), "GITHUB_APP_ID=1", "GITHUB_APP_SLUG=flood", "GITHUB_WEBHOOK_SECRET=flood-secret",
		"GITHUB_API_URL=http://127.0.0.1:9", "DATABASE_URL=", "GEMINI_API_KEY=",
		"GITHUB_PRIVATE_KEY="+string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		"DEVOPS_LEAD_DB="+filepath.Join(dir, "queue.db"))
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	base := "http://" + addr
	if err := waitReady(base); err != nil {
		return err
	}
	idle, _ := rss(cmd.Process.Pid, "VmRSS")
	body := bytes.Repeat([]byte("x"), size)
	fmt.Printf("| senders | body | requests | answered 401 / 503 / 413 / other | RSS during (max sampled) | RSS peak (VmHWM) | RSS 5 s after |\n")
	fmt.Printf("|---:|---:|---:|---|---:|---:|---:|\n")
	for _, f := range strings.Split(levels, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || c < 1 {
			return fmt.Errorf("bad level %q", f)
		}
		var sent, s401, s503, s413, other atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for i := 0; i < c; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				client := &http.Client{Timeout: time.Minute}
				for {
					select {
					case <-stop:
						return
					default:
					}
					req, _ := http.NewRequest("POST", base+"/webhook", bytes.NewReader(body))
					req.Header.Set("X-GitHub-Event", "issues")
					req.Header.Set("X-GitHub-Delivery", fmt.Sprint("flood-", sent.Add(1)))
					req.Header.Set("X-Hub-Signature-256", "sha256="+strings.Repeat("0", 64))
					resp, err := client.Do(req)
					if err != nil {
						other.Add(1)
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					switch resp.StatusCode {
					case http.StatusUnauthorized:
						s401.Add(1)
					case http.StatusServiceUnavailable:
						s503.Add(1)
					case http.StatusRequestEntityTooLarge:
						s413.Add(1)
					default:
						other.Add(1)
					}
				}
			}()
		}
		var during int64
		deadline := time.Now().Add(dur)
		for time.Now().Before(deadline) {
			if v, err := rss(cmd.Process.Pid, "VmRSS"); err == nil && v > during {
				during = v
			}
			time.Sleep(100 * time.Millisecond)
		}
		close(stop)
		wg.Wait()
		peak, _ := rss(cmd.Process.Pid, "VmHWM")
		time.Sleep(5 * time.Second)
		after, _ := rss(cmd.Process.Pid, "VmRSS")
		fmt.Printf("| %d | %d MB | %d | %d / %d / %d / %d | %d MB | %d MB | %d MB |\n", c, size>>20, sent.Load(),
			s401.Load(), s503.Load(), s413.Load(), other.Load(), during>>10, peak>>10, after>>10)
	}
	fmt.Printf("\nidle RSS before the flood: %d MB\n", idle>>10)
	return nil
}

func waitReady(base string) error {
	for i := 0; i < 300; i++ {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("serve did not become ready")
}

// rss reads a /proc/<pid>/status field in kB.
func rss(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s", field)
}
