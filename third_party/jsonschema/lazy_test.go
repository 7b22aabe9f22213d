package jsonschema

import (
	"strings"
	"sync"
	"testing"
)

// The metaschemas compile on first use, once, from many goroutines at
// once, and still reject an invalid schema and accept a valid one.
func TestDraftsCompileLazily(t *testing.T) {
	if Draft2020.sch != nil {
		t.Fatal("the drafts were compiled before any schema was")
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := NewCompiler()
			doc, err := UnmarshalJSON(strings.NewReader(`{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","required":["a"]}`))
			if err != nil {
				t.Error(err)
				return
			}
			if err := c.AddResource("s.json", doc); err != nil {
				t.Error(err)
				return
			}
			s, err := c.Compile("s.json")
			if err != nil {
				t.Error(err)
				return
			}
			if err := s.Validate(map[string]any{}); err == nil {
				t.Error("an object without a: want an error")
			}
			if i%2 == 0 {
				bad, _ := UnmarshalJSON(strings.NewReader(`{"$schema":"http://json-schema.org/draft-07/schema#","type":12}`))
				c.AddResource("bad.json", bad)
				if _, err := c.Compile("bad.json"); err == nil {
					t.Error(`"type": 12: want the metaschema to reject it`)
				}
			}
		}(i)
	}
	wg.Wait()
	for _, d := range []*Draft{Draft4, Draft6, Draft7, Draft2019, Draft2020} {
		if d.sch == nil || len(d.vocabSch) != len(d.allVocabs) {
			t.Errorf("%s: not compiled", d.url)
		}
	}
}
