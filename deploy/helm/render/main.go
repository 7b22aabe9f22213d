// Command render renders deploy/helm/phlomock with Helm's own engine
// (helm.sh/helm/v4, pinned in this module's go.mod, so the fake's module
// stays free of Helm and Kubernetes), as `helm template` and `helm lint`
// would, for the tests that check the chart (render_test.go here) and play
// it with podman (deploy/helm_test.go), and for anyone without the helm CLI:
//
//	go run . [--release NAME] [--namespace NS] [-f FILE]... [--set K=V]... [--set-string K=V]... [--set-file K=FILE]... CHART_DIR
//	go run . --lint [the same values] CHART_DIR
//
// It prints the manifests, each after a "# Source:" line; with --lint, the
// linter's messages. Values the chart refuses (values.schema.json, or a
// template's fail) and lint warnings exit 2 with Helm's message; a usage
// error exits 2 too.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/loader"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	v2loader "helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	"helm.sh/helm/v4/pkg/strvals"
)

// options are a render's inputs, as helm template takes them.
type options struct {
	release, namespace string
	values             valueOptions
	// cluster answers the templates' lookups (the Secret an earlier
	// install made); nil: none, as helm template without --dry-run=server.
	cluster engine.ClientProvider
}

// valueOptions are the values given on the command line, merged as helm
// does: the files in order, then --set, --set-string, --set-file. (Helm's
// own pkg/cli/values does the same but links every getter: OCI registries,
// plugins, a WebAssembly runtime; local files are all a render needs.)
type valueOptions struct {
	files, sets, strings, setFiles []string
}

func (v valueOptions) merge() (map[string]any, error) {
	base := map[string]any{}
	for _, f := range v.files {
		raw, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		m, err := v2loader.LoadValues(raw)
		raw.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		base = v2loader.MergeMaps(base, m)
	}
	for _, s := range v.sets {
		if err := strvals.ParseInto(s, base); err != nil {
			return nil, fmt.Errorf("--set %s: %w", s, err)
		}
	}
	for _, s := range v.strings {
		if err := strvals.ParseIntoString(s, base); err != nil {
			return nil, fmt.Errorf("--set-string %s: %w", s, err)
		}
	}
	for _, s := range v.setFiles {
		read := func(rs []rune) (any, error) {
			b, err := os.ReadFile(string(rs))
			return string(b), err
		}
		if err := strvals.ParseIntoFile(s, base, read); err != nil {
			return nil, fmt.Errorf("--set-file %s: %w", s, err)
		}
	}
	return base, nil
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	// Helm's linter logs each template fail at INFO, then the render says
	// it again as the error: keep the one message.
	slog.SetDefault(slog.New(slog.DiscardHandler))
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var files, sets, strs, setFiles listFlag
	fs.StringVar(&o.release, "release", "phlomock", "the release's name (the objects' names)")
	fs.StringVar(&o.namespace, "namespace", "default", "the release's namespace")
	fs.Var(&files, "f", "a values file (repeatable; later ones win)")
	fs.Var(&sets, "set", "a value, as helm --set (repeatable)")
	fs.Var(&strs, "set-string", "a string value, as helm --set-string (repeatable)")
	fs.Var(&setFiles, "set-file", "a value read from a file, as helm --set-file (repeatable)")
	lintOnly := fs.Bool("lint", false, "lint the chart with these values instead of printing it")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: render [--lint] [--release NAME] [--namespace NS] [-f FILE]... [--set K=V]... [--set-string K=V]... [--set-file K=FILE]... CHART_DIR")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	o.values = valueOptions{files: files, sets: sets, strings: strs, setFiles: setFiles}
	if *lintOnly {
		msgs, err := lintChart(fs.Arg(0), o)
		for _, m := range msgs {
			fmt.Fprintln(stdout, m.Error())
		}
		if err != nil {
			fmt.Fprintln(stderr, "render:", err)
			return 2
		}
		return 0
	}
	out, err := render(fs.Arg(0), o)
	if err != nil {
		fmt.Fprintln(stderr, "render:", err)
		return 2
	}
	fmt.Fprint(stdout, out)
	return 0
}

// render loads the chart in dir and renders it with o's values, checked
// against the chart's values.schema.json, as helm template does. The
// manifests come in the order of their file names.
func render(dir string, o options) (string, error) {
	chrt, err := loader.Load(dir)
	if err != nil {
		return "", err
	}
	vals, err := o.values.merge()
	if err != nil {
		return "", err
	}
	rv, err := util.ToRenderValues(chrt, vals, common.ReleaseOptions{Name: o.release, Namespace: o.namespace, IsInstall: o.cluster == nil, IsUpgrade: o.cluster != nil}, common.DefaultCapabilities)
	if err != nil {
		return "", err
	}
	var out map[string]string
	if o.cluster != nil {
		out, err = engine.RenderWithClientProvider(chrt, rv, o.cluster)
	} else {
		out, err = engine.Render(chrt, rv)
	}
	if err != nil {
		return "", err
	}
	names := make([]string, 0, len(out))
	for n := range out {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		text := strings.TrimSpace(out[n])
		if text == "" || strings.HasSuffix(n, ".tpl") || strings.HasSuffix(n, "NOTES.txt") {
			continue
		}
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", n, text)
	}
	return b.String(), nil
}

// lintChart runs helm lint's rules (Chart.yaml, the values and their
// schema, every template rendered and parsed as Kubernetes objects,
// deprecated APIs) on dir with o's values, then renders it: the linter
// renders in Helm's lint mode, where a template's fail is only logged, and
// the chart's own rules are such fails. It returns the linter's messages,
// and an error when one is a warning or worse (what `helm lint --strict`
// fails on) or when the render fails.
func lintChart(dir string, o options) ([]support.Message, error) {
	vals, err := o.values.merge()
	if err != nil {
		return nil, err
	}
	res := lint.RunAll(dir, vals, o.namespace)
	if res.HighestSeverity >= support.WarningSev {
		var errs []error
		for _, m := range res.Messages {
			if m.Severity >= support.WarningSev {
				errs = append(errs, m)
			}
		}
		return res.Messages, fmt.Errorf("helm lint: %w", errors.Join(errs...))
	}
	if _, err := render(dir, o); err != nil {
		return res.Messages, err
	}
	return res.Messages, nil
}
