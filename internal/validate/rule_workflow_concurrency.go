package validate

import "gopkg.in/yaml.v3"

// checkConcurrencyQueue checks the queue key of every concurrency block
// (the workflow's and each job's): GitHub accepts single (the default,
// where a new run replaces the pending one) and max (up to 100 runs wait
// in order), and max only without cancel-in-progress. It returns the
// lines of the queue keys, whose "unexpected key" actionlint reports is
// dropped.
func (wf *workflow) checkConcurrencyQueue() (map[int]bool, []Finding) {
	blocks := []*yaml.Node{}
	if _, c := mapGet(wf.root, "concurrency"); c != nil {
		blocks = append(blocks, c)
	}
	for _, j := range wf.jobs {
		if _, c := mapGet(j.node, "concurrency"); c != nil {
			blocks = append(blocks, c)
		}
	}
	lines := map[int]bool{}
	var out []Finding
	for _, c := range blocks {
		if c.Kind != yaml.MappingNode {
			continue
		}
		k, v := mapGet(c, "queue")
		if k == nil {
			continue
		}
		lines[k.Line] = true
		switch {
		case v.Kind != yaml.ScalarNode || (v.Value != "single" && v.Value != "max"):
			out = append(out, ruleWorkflowConcurrencyQueue.at(wf.path, v.Line, v.Column,
				"concurrency queue is %q; GitHub accepts single or max", v.Value))
		case v.Value == "max":
			if _, cancel := mapGet(c, "cancel-in-progress"); cancel != nil && cancel.Kind == yaml.ScalarNode && cancel.Value == "true" {
				out = append(out, ruleWorkflowConcurrencyQueue.at(wf.path, cancel.Line, cancel.Column,
					"queue: max keeps waiting runs, which cancel-in-progress: true would cancel; GitHub allows max only with cancel-in-progress false or unset"))
			}
		}
	}
	return lines, out
}
