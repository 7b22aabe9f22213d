package junit

import (
	"encoding/xml"
	"fmt"
	"io"
	"time"
)

// A Report is a set of suites, written in the order they were first added to.
type Report struct {
	Name     string
	Duration time.Duration

	suites []suite
	index  map[string]int
}

// A Case is one testcase. At most one of Failure and Skipped is set.
type Case struct {
	Name      string
	Classname string
	Duration  time.Duration
	Failure   *Failure
	Skipped   string // why, when the case was skipped
}

// A Failure is a failed case: Type is a stable code, Message the first
// problem, Text every problem, one a line.
type Failure struct {
	Message string
	Type    string
	Text    string
}

// Add appends c to the suite named suiteName, creating the suite if needed.
func (r *Report) Add(suiteName string, c Case) {
	if r.index == nil {
		r.index = map[string]int{}
	}
	i, ok := r.index[suiteName]
	if !ok {
		i = len(r.suites)
		r.index[suiteName] = i
		r.suites = append(r.suites, suite{Name: suiteName})
	}
	r.suites[i].Cases = append(r.suites[i].Cases, c)
}

// Write writes the report as an XML document.
func (r *Report) Write(w io.Writer) error {
	out := xmlSuites{Name: r.Name, Time: seconds(r.Duration)}
	for _, s := range r.suites {
		xs := xmlSuite{Name: s.Name}
		for _, c := range s.Cases {
			xc := xmlCase{Name: c.Name, Classname: c.Classname, Time: seconds(c.Duration)}
			switch {
			case c.Failure != nil:
				xc.Failure = &xmlFailure{Message: c.Failure.Message, Type: c.Failure.Type, Text: c.Failure.Text}
				xs.Failures++
			case c.Skipped != "":
				xc.Skipped = &xmlSkipped{Message: c.Skipped}
				xs.Skipped++
			}
			xs.Tests++
			xs.Cases = append(xs.Cases, xc)
		}
		out.Tests += xs.Tests
		out.Failures += xs.Failures
		out.Skipped += xs.Skipped
		out.Suites = append(out.Suites, xs)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

type suite struct {
	Name  string
	Cases []Case
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

type xmlSuites struct {
	XMLName  xml.Name   `xml:"testsuites"`
	Name     string     `xml:"name,attr"`
	Tests    int        `xml:"tests,attr"`
	Failures int        `xml:"failures,attr"`
	Skipped  int        `xml:"skipped,attr"`
	Time     string     `xml:"time,attr"`
	Suites   []xmlSuite `xml:"testsuite"`
}

type xmlSuite struct {
	Name     string    `xml:"name,attr"`
	Tests    int       `xml:"tests,attr"`
	Failures int       `xml:"failures,attr"`
	Skipped  int       `xml:"skipped,attr"`
	Cases    []xmlCase `xml:"testcase"`
}

type xmlCase struct {
	Name      string      `xml:"name,attr"`
	Classname string      `xml:"classname,attr"`
	Time      string      `xml:"time,attr"`
	Failure   *xmlFailure `xml:"failure,omitempty"`
	Skipped   *xmlSkipped `xml:"skipped,omitempty"`
}

type xmlFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type xmlSkipped struct {
	Message string `xml:"message,attr"`
}
