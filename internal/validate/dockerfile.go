package validate

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// The Dockerfile rules, with their hadolint equivalents.
var (
	ruleDockerfileParse = register(Rule{
		ID: "dockerfile-parse", Kind: KindDockerfile, Severity: Error,
		Summary: "the Dockerfile must parse (buildkit's parser and instruction checks)",
		Help:    "fix the instruction at the reported line",
	})
	ruleDockerfileLatest = register(Rule{
		ID: "dockerfile-base-latest", Kind: KindDockerfile, Severity: Error, Hadolint: "DL3007",
		Summary: "a base image must not use the latest tag",
		Help:    "pin the base image to a version tag (python:3.12-slim), ideally with its @sha256 digest from the registry",
	})
	ruleDockerfileUntagged = register(Rule{
		ID: "dockerfile-base-untagged", Kind: KindDockerfile, Severity: Error, Hadolint: "DL3006",
		Summary: "a base image must carry an explicit tag or digest",
		Help:    "write FROM image:<version>; the tag comes from the stack detection or the project's version table",
	})
	ruleDockerfileBaseArg = register(Rule{
		ID: "dockerfile-base-arg", Kind: KindDockerfile, Severity: Warning, Hadolint: "DL3006",
		Summary: "a base image built from an ARG without a default cannot be checked",
		Help:    "give the ARG a pinned default before the first FROM: ARG BASE=image:<version>",
	})
	ruleDockerfileUserMissing = register(Rule{
		ID: "dockerfile-user-missing", Kind: KindDockerfile, Severity: Error, Hadolint: "DL3002",
		Summary: "the final stage must switch to a non-root USER",
		Help:    "add USER <uid>:<gid> (for example USER 65532:65532) after the last step that needs root",
	})
	ruleDockerfileUserRoot = register(Rule{
		ID: "dockerfile-user-root", Kind: KindDockerfile, Severity: Error, Hadolint: "DL3002",
		Summary: "the last USER of the final stage must not be root",
		Help:    "end the final stage with a non-root USER",
	})
	ruleDockerfileAptPin = register(Rule{
		ID: "dockerfile-apt-pin", Kind: KindDockerfile, Severity: Warning, Hadolint: "DL3008",
		Summary: "apt-get install should pin package versions",
		Help:    "write apt-get install -y --no-install-recommends pkg=<version>",
	})
	ruleDockerfileApkPin = register(Rule{
		ID: "dockerfile-apk-pin", Kind: KindDockerfile, Severity: Warning, Hadolint: "DL3018",
		Summary: "apk add should pin package versions",
		Help:    "write apk add --no-cache pkg=<version>",
	})
	ruleDockerfilePipPin = register(Rule{
		ID: "dockerfile-pip-pin", Kind: KindDockerfile, Severity: Warning, Hadolint: "DL3013",
		Summary: "pip install should pin package versions",
		Help:    "write pip install pkg==<version> or install from a locked requirements file (-r requirements.txt)",
	})
	ruleDockerfileNpmPin = register(Rule{
		ID: "dockerfile-npm-pin", Kind: KindDockerfile, Severity: Warning, Hadolint: "DL3016",
		Summary: "npm install of named packages should pin versions",
		Help:    "write npm install pkg@<version>, or npm ci from the lock file",
	})
	ruleDockerfileGemPin = register(Rule{
		ID: "dockerfile-gem-pin", Kind: KindDockerfile, Severity: Warning, Hadolint: "DL3028",
		Summary: "gem install should pin versions",
		Help:    "write gem install pkg:<version> or gem install pkg -v <version>",
	})
	ruleDockerfileNoRecommends = register(Rule{
		ID: "dockerfile-apt-no-install-recommends", Kind: KindDockerfile, Severity: Warning, Hadolint: "DL3015",
		Summary: "apt-get install should use --no-install-recommends",
		Help:    "add --no-install-recommends to keep the image small",
	})
	ruleDockerfileAptLists = register(Rule{
		ID: "dockerfile-apt-lists", Kind: KindDockerfile, Severity: Warning, Hadolint: "DL3009",
		Summary: "the apt lists should be removed in the RUN that installs",
		Help:    "end the RUN with && rm -rf /var/lib/apt/lists/*",
	})
	ruleDockerfileAddLocal = register(Rule{
		ID: "dockerfile-add-local", Kind: KindDockerfile, Severity: Warning, Hadolint: "DL3020",
		Summary: "use COPY, not ADD, for local files and folders",
		Help:    "replace ADD with COPY; ADD is for archives to unpack and checksummed URLs",
	})
	ruleDockerfileAddRemote = register(Rule{
		ID: "dockerfile-add-remote", Kind: KindDockerfile, Severity: Error,
		Summary: "ADD of a remote URL must verify it with --checksum",
		Help:    "write ADD --checksum=sha256:<digest> <url> <dest>, with the digest published by the file's owner",
	})
	ruleDockerfileJSONCmd = register(Rule{
		ID: "dockerfile-json-cmd", Kind: KindDockerfile, Severity: Warning, Hadolint: "DL3025",
		Summary: "CMD and ENTRYPOINT should use the JSON (exec) form",
		Help:    `write CMD ["binary", "arg"] so signals reach the process`,
	})
	ruleDockerfilePipefail = register(Rule{
		ID: "dockerfile-pipefail", Kind: KindDockerfile, Severity: Warning, Hadolint: "DL4006",
		Summary: "a RUN with a pipe should set -o pipefail",
		Help:    `add SHELL ["/bin/bash", "-o", "pipefail", "-c"] before the RUN, or start it with set -o pipefail &&`,
	})
	ruleDockerfileSecret = register(Rule{
		ID: "dockerfile-secret", Kind: KindDockerfile, Severity: Error,
		Summary: "ARG and ENV must not carry secrets: they stay in the image history",
		Help:    "use RUN --mount=type=secret,id=<name> and docker build --secret, or inject the value at run time",
	})
	ruleDockerfileWorkdir = register(Rule{
		ID: "dockerfile-workdir-relative", Kind: KindDockerfile, Severity: Warning, Hadolint: "DL3000",
		Summary: "WORKDIR should be an absolute path",
		Help:    "write WORKDIR /app",
	})
	ruleDockerfileCd = register(Rule{
		ID: "dockerfile-cd", Kind: KindDockerfile, Severity: Warning, Hadolint: "DL3003",
		Summary: "use WORKDIR rather than cd in RUN",
		Help:    "set WORKDIR /path before the RUN",
	})
	ruleDockerfileSingleStage = register(Rule{
		ID: "dockerfile-single-stage-compiled", Kind: KindDockerfile, Severity: Warning,
		Summary: "a compiled stack should build in one stage and run from a small final stage",
		Help:    "build in FROM golang:<ver> AS build, then COPY --from=build the binary into a distroless or alpine final stage",
	})
	ruleDockerfileSudo = register(Rule{
		ID: "dockerfile-sudo", Kind: KindDockerfile, Severity: Warning, Hadolint: "DL3004",
		Summary: "do not use sudo in RUN",
		Help:    "switch with USER root for the step instead, then back to the non-root user",
	})
	ruleDockerfileMaintainer = register(Rule{
		ID: "dockerfile-maintainer", Kind: KindDockerfile, Severity: Warning, Hadolint: "DL4000",
		Summary: "MAINTAINER is deprecated",
		Help:    `use LABEL org.opencontainers.image.authors="..."`,
	})
	ruleDockerfileMultiCmd = register(Rule{
		ID: "dockerfile-multiple-cmd", Kind: KindDockerfile, Severity: Warning, Hadolint: "DL4003",
		Summary: "a stage should have one CMD: only the last one counts",
		Help:    "keep only the last CMD",
	})
	ruleDockerfileMultiEntrypoint = register(Rule{
		ID: "dockerfile-multiple-entrypoint", Kind: KindDockerfile, Severity: Warning, Hadolint: "DL4004",
		Summary: "a stage should have one ENTRYPOINT: only the last one counts",
		Help:    "keep only the last ENTRYPOINT",
	})
)

func init() { registerChecker(KindDockerfile, checkDockerfile) }

// dfStage is one build stage: its FROM and its instructions in order.
type dfStage struct {
	from     *instructions.Stage
	fromLine int
	cmds     []dfCmd
}

// dfCmd is one instruction with the line it starts on.
type dfCmd struct {
	cmd   any
	line  int
	flags []string // the raw --flags of the instruction
}

// dockerfile is a parsed Dockerfile.
type dockerfile struct {
	path     string
	metaArgs map[string]*string // ARGs before the first FROM, with defaults
	metaCmds []dfCmd            // those ARG instructions, for their lines
	stages   []*dfStage
	named    map[string]bool // named build contexts, lowercase
}

// checkDockerfile parses a Dockerfile with buildkit's parser and runs our
// hadolint-like rules over its instructions.
func checkDockerfile(path string, content []byte) []Finding {
	return checkDockerfileNamed(path, content, nil)
}

// checkDockerfileNamed is checkDockerfile for a Dockerfile built with
// named build contexts (Compose additional_contexts, buildx
// --build-context): a FROM naming one is not an image reference.
func checkDockerfileNamed(path string, content []byte, named map[string]bool) []Finding {
	df, err := parseDockerfile(path, content)
	if err != nil {
		return []Finding{ruleDockerfileParse.at(path, dockerfileErrorLine(err), 0, "%v", err)}
	}
	df.named = named
	var out []Finding
	out = append(out, df.checkBases()...)
	out = append(out, df.checkUser()...)
	out = append(out, df.checkInstructions()...)
	out = append(out, df.checkRuns()...)
	return out
}

// parseDockerfile parses the AST and then each instruction; it does not use
// instructions.Parse because that needs a linter and we report ourselves.
func parseDockerfile(path string, content []byte) (*dockerfile, error) {
	res, err := parser.Parse(bytes.NewReader(content))
	if err != nil {
		return nil, fmt.Errorf("the Dockerfile does not parse (%w); fix the syntax there", err)
	}
	df := &dockerfile{path: path, metaArgs: map[string]*string{}}
	for _, n := range res.AST.Children {
		n.PrevComment = nil // a "# check=" comment would make instructions dereference a nil linter
		cmd, err := instructions.ParseInstruction(n)
		if err != nil {
			return nil, fmt.Errorf("line %d: %s is invalid: %w; fix or remove it", n.StartLine, strings.ToUpper(n.Value), err)
		}
		switch c := cmd.(type) {
		case *instructions.Stage:
			df.stages = append(df.stages, &dfStage{from: c, fromLine: n.StartLine})
		case *instructions.ArgCommand:
			if len(df.stages) == 0 {
				for _, a := range c.Args {
					df.metaArgs[a.Key] = a.Value
				}
				df.metaCmds = append(df.metaCmds, dfCmd{cmd: c, line: n.StartLine})
				continue
			}
			df.last().cmds = append(df.last().cmds, dfCmd{cmd: c, line: n.StartLine, flags: n.Flags})
		default:
			if len(df.stages) == 0 {
				return nil, fmt.Errorf("line %d: %s comes before the first FROM; start the Dockerfile with FROM (only ARG may precede it)", n.StartLine, strings.ToUpper(n.Value))
			}
			df.last().cmds = append(df.last().cmds, dfCmd{cmd: c, line: n.StartLine, flags: n.Flags})
		}
	}
	if len(df.stages) == 0 {
		return nil, errors.New("the Dockerfile has no FROM instruction; add FROM image:<version>")
	}
	return df, nil
}

func (df *dockerfile) last() *dfStage { return df.stages[len(df.stages)-1] }

// dockerfileErrorLine pulls the line out of a buildkit location error, or
// out of our own "line N:" prefix.
func dockerfileErrorLine(err error) int {
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		return le.Locations[0][0].Start.Line
	}
	var n int
	if i := strings.Index(err.Error(), "line "); i >= 0 {
		if _, e := fmt.Sscanf(err.Error()[i:], "line %d", &n); e == nil {
			return n
		}
	}
	return 0
}
