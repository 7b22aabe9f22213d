package didyoumean

import "testing"

func TestClosest(t *testing.T) {
	options := []string{"success", "bad-role", "server-error", "auth-failure"}
	cases := []struct{ word, want string }{
		{"bad_role", "bad-role"},
		{"Bad-Role", "bad-role"},
		{"sucess", "success"},
		{"server-eror", "server-error"},
		{"auth-failures", "auth-failure"},
		{"timeout", ""},
		{"", ""},
		{"xy", ""},
		{"bad-role", "bad-role"},
	}
	for _, c := range cases {
		t.Run(c.word, func(t *testing.T) {
			if got := Closest(c.word, options); got != c.want {
				t.Errorf("Closest(%q) = %q, want %q", c.word, got, c.want)
			}
		})
	}
}
