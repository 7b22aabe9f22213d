package proxy

import "github.com/phlomock/phlomock/mockserver"

// maskExchange masks secrets in the texts of res the report prints.
func maskExchange(res *Exchange, secrets []string) {
	if len(secrets) == 0 {
		return
	}
	res.Error = mockserver.Mask(res.Error, secrets)
	for i := range res.Drift {
		res.Drift[i].Real = mockserver.Mask(res.Drift[i].Real, secrets)
		res.Drift[i].Fake = mockserver.Mask(res.Drift[i].Fake, secrets)
	}
	for _, vs := range [][]mockserver.Violation{res.RequestViolations, res.AnswerViolations} {
		for i := range vs {
			vs[i].Message = mockserver.Mask(vs[i].Message, secrets)
		}
	}
}
