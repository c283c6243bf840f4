package ask

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/tavan7/tavan/lessons"
)

func BenchmarkBuild(b *testing.B) {
	cat, err := lessons.Load(lessons.Embedded())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		ix, err := Build(cat)
		if err != nil {
			b.Fatal(err)
		}
		_ = ix.Close()
	}
}

func BenchmarkSearch(b *testing.B) {
	ix := mustIndex(b)
	qs := testQuestions(b)
	i := 0
	for b.Loop() {
		if _, err := ix.Search(qs[i%len(qs)], "fa", nil); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func testQuestions(tb testing.TB) []string {
	var set questionSet
	if _, err := toml.DecodeFile("testdata/questions.toml", &set); err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, q := range set.Q {
		out = append(out, q.Text)
	}
	for _, q := range set.None {
		out = append(out, q.Text)
	}
	return out
}

// rssKiB is the process's resident set (Linux), 0 where /proc is missing.
func rssKiB() int {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	return 0
}

// cpuTime is the CPU the process used so far (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heapMiB() float64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// TestAskFigures measures issue 19's targets and prints them: the index build for all content (≤ 2 s),
// a question's p99 with 50 askers at once (≤ 30 ms), and what the index adds to the heap and the RSS
// (≤ 40 MiB). Opt-in (TAVAN_LOAD=1): timings mean little on a busy machine or under -race.
func TestAskFigures(t *testing.T) {
	if os.Getenv("TAVAN_LOAD") != "1" {
		t.Skip("opt-in: TAVAN_LOAD=1 go test -run TestAskFigures -v ./bot/ask/")
	}
	cat, err := lessons.Load(lessons.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	qs := testQuestions(t)

	heap0, rss0 := heapMiB(), rssKiB()
	start := time.Now()
	ix, err := Build(cat)
	if err != nil {
		t.Fatal(err)
	}
	build := time.Since(start)
	debug.FreeOSMemory() // as Feature.ensureIndex does after a build
	heap1, rss1 := heapMiB(), rssKiB()

	// 20 upcoming events, prepared once, searched with every question.
	var evDocs []*doc
	for i := range 20 {
		evDocs = append(evDocs, &doc{Kind: kindEvent, ID: strconv.Itoa(i + 1), Lang: "fa", Title: fmt.Sprintf("کارگاه شمارهٔ %d فروش و بازاریابی", i+1), Body: "کارگاه حضوری برای صاحبان کسب‌وکار خانگی"})
	}
	events := ix.PrepareEvents(nil, evDocs)

	// 50 askers at once: in each round all 50 questions arrive together, and each one's time runs from
	// the round's start until its answer (so it includes waiting for the CPU behind the others).
	const askers, rounds = 50, 40
	latencies := make([][]time.Duration, askers)
	begin, cpu0 := time.Now(), cpuTime()
	var roundStart time.Time
	for r := range rounds {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for a := range askers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				q := qs[(r*askers+a)%len(qs)]
				<-start
				if _, err := ix.Search(q, "fa", events); err != nil {
					t.Error(err)
					return
				}
				latencies[a] = append(latencies[a], time.Since(roundStart))
			}()
		}
		roundStart = time.Now()
		close(start)
		wg.Wait()
	}
	wall, cpu := time.Since(begin), cpuTime()-cpu0
	all := slices.Concat(latencies...)
	slices.Sort(all)
	p := func(q float64) time.Duration { return all[int(q*float64(len(all)-1))] }

	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("ask figures (%s, GOMAXPROCS %d, load %s): %d docs; build %v; %d questions by %d askers at once in %v (%.0f/s, CPU %v a question): p50 %v, p99 %v, max %v; heap +%.1f MiB, RSS +%.1f MiB",
		time.Now().UTC().Format("2006-01-02"), runtime.GOMAXPROCS(0), strings.Join(strings.Fields(string(load))[:3], " "), ix.DocCount(), build.Round(time.Millisecond),
		len(all), askers, wall.Round(time.Millisecond), float64(len(all))/wall.Seconds(), (cpu / time.Duration(len(all))).Round(time.Microsecond),
		p(0.5).Round(10*time.Microsecond), p(0.99).Round(10*time.Microsecond), all[len(all)-1].Round(10*time.Microsecond),
		heap1-heap0, float64(rss1-rss0)/1024)
	if build > 2*time.Second {
		t.Errorf("index build %v; want ≤ 2 s", build)
	}
	if p(0.99) > 30*time.Millisecond {
		t.Errorf("p99 %v; want ≤ 30 ms", p(0.99))
	}
	if heap1-heap0 > 40 || float64(rss1-rss0)/1024 > 40 {
		t.Errorf("the index adds %.1f MiB of heap, %.1f MiB of RSS; want ≤ 40 MiB", heap1-heap0, float64(rss1-rss0)/1024)
	}
	runtime.KeepAlive(ix)
}
