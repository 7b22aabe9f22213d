package main

import (
	"context"
	"log/slog"
	"maps"
	"os"
	"strings"
	"time"

	"github.com/phlomock/phlomock/fake"
)

// defaultWatchInterval is how often --watch looks at the files.
const defaultWatchInterval = 500 * time.Millisecond

type fileStamp struct {
	mod  time.Time
	size int64
}

func stamps(files []string) map[string]fileStamp {
	m := make(map[string]fileStamp, len(files))
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			m[f] = fileStamp{fi.ModTime(), fi.Size()}
		}
	}
	return m
}

// watcher is serve --watch: it polls the --scenario files' modification
// time and size and, when one has changed, reloads every argument and
// activates them at once. A bad edit is logged and the scenarios that were
// active stay active. It polls rather than using inotify: no dependency,
// and it works on the bind mounts and network file systems of containers.
type watcher struct {
	args     []string
	last     map[string]fileStamp // as loaded
	interval time.Duration
	fake     *fake.Fake
	logger   *slog.Logger
}

func (w *watcher) run(ctx context.Context) {
	files := fake.ScenarioFiles(w.args)
	if len(files) == 0 {
		w.logger.Warn("--watch: no --scenario file to watch")
		return
	}
	seen := w.last
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// Reload once a change has held still for one interval: an editor
		// writing a file is not read half-way.
		now := stamps(files)
		stable := maps.Equal(now, seen)
		seen = now
		if !stable || maps.Equal(now, w.last) {
			continue
		}
		w.last = now
		if err := w.fake.Load(w.args); err != nil {
			w.logger.Error("--watch: scenario files not reloaded, the active scenarios are unchanged", slog.String("errors", err.Error()))
			continue
		}
		w.logger.Info("--watch: scenario files reloaded", slog.String("active", strings.Join(w.fake.Director.Active(), ",")))
	}
}
