package derive

import (
	"strings"

	"github.com/phlomock/phlomock/internal/lazyre"
)

// An argument is one row of an item description's markdown argument table:
// | Arguments | Description | Required/Conditional/Optional |
type argument struct {
	Name        string
	Description string
	Requirement string // required, conditional, optional or ""
	Type        string // from a Type column, when there is one
}

// parseArguments finds the first markdown table whose header names an
// argument column and reads its rows.
func parseArguments(markdown string) []argument {
	lines := strings.Split(markdown, "\n")
	for i := 0; i+1 < len(lines); i++ {
		header := cells(lines[i])
		if header == nil || !isSeparator(lines[i+1]) {
			continue
		}
		nameCol, descCol, reqCol, typeCol := 0, -1, -1, -1
		for j, h := range header {
			h = strings.ToLower(h)
			switch {
			case strings.Contains(h, "required") || strings.Contains(h, "optional"):
				reqCol = j
			case strings.Contains(h, "description"):
				descCol = j
			case h == "type":
				typeCol = j
			}
		}
		if reqCol < 0 && descCol < 0 {
			continue
		}
		var args []argument
		for _, line := range lines[i+2:] {
			row := cells(line)
			if row == nil {
				break
			}
			a := argument{Name: strings.Trim(at(row, nameCol), "`* ")}
			if a.Name == "" {
				continue
			}
			a.Description = at(row, descCol)
			a.Type = strings.ToLower(strings.Trim(at(row, typeCol), "`* "))
			req := strings.ToLower(at(row, reqCol))
			for _, r := range []string{"required", "conditional", "optional"} {
				if strings.Contains(req, r) {
					a.Requirement = r
					break
				}
			}
			args = append(args, a)
		}
		return args
	}
	return nil
}

// cells splits a markdown table row; nil when the line is not one.
func cells(line string) []string {
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "|") {
		return nil
	}
	line = strings.TrimPrefix(line, "|")
	line = strings.TrimSuffix(line, "|")
	parts := strings.Split(line, "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

var separatorCell = lazyre.New(`^:?-+:?$`)

func isSeparator(line string) bool {
	row := cells(line)
	if row == nil {
		return false
	}
	for _, c := range row {
		if !separatorCell.MatchString(c) {
			return false
		}
	}
	return true
}

func at(row []string, i int) string {
	if i < 0 || i >= len(row) {
		return ""
	}
	return row[i]
}

var (
	allowedRe  = lazyre.New(`(?i)(?:allowed|possible|valid) values are:?\s*([^.]*(?:\.[^\s][^.]*)*)`)
	setToRe    = lazyre.New(`(?i)set this (?:parameter|argument|field)(?: to)?\s*["'\x60]([^"'\x60]+)["'\x60]`)
	quotedRe   = lazyre.New(`["'\x60]([^"'\x60]+)["'\x60]`)
	listSep    = lazyre.New(`\s*(?:,|\band\b|\bor\b)\s*`)
	defaultsRe = lazyre.New(`(?i)defaults? (?:value )?(?:is |to )?["'\x60]?([^\s"'\x60,;]+?)["'\x60]?(?:[.,;]?\s|[.,;]?$)`)
)

// enumOf reads "Allowed values are 'customer' and 'agent'" and "Set this
// parameter "cold_transfer"".
func enumOf(desc string) []string {
	if m := setToRe.FindStringSubmatch(desc); m != nil {
		return []string{m[1]}
	}
	m := allowedRe.FindStringSubmatch(desc)
	if m == nil {
		return nil
	}
	var out []string
	for _, q := range quotedRe.FindAllStringSubmatch(m[1], -1) {
		out = append(out, q[1])
	}
	if out == nil { // unquoted: "Allowed values are customer, agent"
		for _, f := range listSep.Split(m[1], -1) {
			if f = strings.TrimSpace(f); f != "" {
				out = append(out, f)
			}
		}
	}
	return out
}

// defaultOf reads "Defaults to agent".
func defaultOf(desc string) (string, bool) {
	m := defaultsRe.FindStringSubmatch(desc)
	if m == nil {
		return "", false
	}
	return m[1], true
}
