package githubtest

import (
	"net/http"
	"strings"
)

// router matches "METHOD /path/{name}/{rest...}" patterns. Unlike
// http.ServeMux it accepts overlapping patterns and prefers the one with
// more literal segments (GitHub has both /issues/comments/{id} and
// /issues/{number}/comments).
type router struct {
	routes []route
}

type route struct {
	method string
	segs   []string
	h      http.HandlerFunc
}

func (m *router) add(pattern string, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	m.routes = append(m.routes, route{method: method, segs: strings.Split(strings.Trim(path, "/"), "/"), h: h})
}

func (m *router) match(r *http.Request) http.HandlerFunc {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	var best *route
	bestScore := -1
	var bestVals map[string]string
	for i := range m.routes {
		rt := &m.routes[i]
		if rt.method != r.Method {
			continue
		}
		vals, score, ok := rt.fit(parts)
		if ok && score > bestScore {
			best, bestScore, bestVals = rt, score, vals
		}
	}
	if best == nil {
		return nil
	}
	for k, v := range bestVals {
		r.SetPathValue(k, v)
	}
	return best.h
}

// fit matches path parts against the route; score counts literal segments.
func (rt *route) fit(parts []string) (map[string]string, int, bool) {
	vals := map[string]string{}
	score := 0
	for i, seg := range rt.segs {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "...}") {
			if i >= len(parts) {
				return nil, 0, false
			}
			vals[strings.TrimSuffix(seg[1:], "...}")] = strings.Join(parts[i:], "/")
			return vals, score, true
		}
		if i >= len(parts) {
			return nil, 0, false
		}
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			if parts[i] == "" {
				return nil, 0, false
			}
			vals[seg[1:len(seg)-1]] = parts[i]
			continue
		}
		if seg != parts[i] {
			return nil, 0, false
		}
		score++
	}
	if len(parts) != len(rt.segs) {
		return nil, 0, false
	}
	return vals, score, true
}
