package junit_test

import (
	"bytes"
	"encoding/xml"
	"testing"
	"time"

	"github.com/phlomock/phlomock/internal/junit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWrite(t *testing.T) {
	var r junit.Report
	r.Name = "phlomock conform"
	r.Duration = 1500 * time.Millisecond
	r.Add("getPhlo", junit.Case{Name: "getPhlo/valid", Classname: "c.getPhlo", Duration: 2 * time.Millisecond})
	r.Add("runPhlo", junit.Case{Name: "runPhlo/valid", Classname: "c.runPhlo", Skipped: "not offered"})
	r.Add("getPhlo", junit.Case{Name: "getPhlo/auth-none", Classname: "c.getPhlo",
		Failure: &junit.Failure{Message: "got 200", Type: "accepted-invalid-request", Text: "accepted-invalid-request: got 200\n"}})

	var buf bytes.Buffer
	require.NoError(t, r.Write(&buf))

	var got struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Time     string `xml:"time,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Skipped  int    `xml:"skipped,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Type string `xml:"type,attr"`
				} `xml:"failure"`
				Skipped *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &got), buf.String())
	assert.Equal(t, "phlomock conform", got.Name)
	assert.Equal(t, "1.500", got.Time)
	assert.Equal(t, []int{3, 1, 1}, []int{got.Tests, got.Failures, got.Skipped})
	require.Len(t, got.Suites, 2, "suites in order of first appearance")
	assert.Equal(t, "getPhlo", got.Suites[0].Name)
	assert.Equal(t, []int{2, 1, 0}, []int{got.Suites[0].Tests, got.Suites[0].Failures, got.Suites[0].Skipped})
	require.Len(t, got.Suites[0].Cases, 2)
	assert.Nil(t, got.Suites[0].Cases[0].Failure)
	require.NotNil(t, got.Suites[0].Cases[1].Failure)
	assert.Equal(t, "accepted-invalid-request", got.Suites[0].Cases[1].Failure.Type)
	assert.NotNil(t, got.Suites[1].Cases[0].Skipped)
}
