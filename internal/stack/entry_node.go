package stack

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
)

// nodeConventional are the files a Node program usually starts from.
var nodeConventional = []string{"server.js", "index.js", "app.js", "main.js", "server.mjs", "index.mjs",
	"src/server.ts", "src/index.ts", "src/main.ts", "src/app.ts", "server.ts", "index.ts"}

var (
	reTSOutDir  = regexp.MustCompile(`"outDir"\s*:\s*"([^"]+)"`)
	reTSRootDir = regexp.MustCompile(`"rootDir"\s*:\s*"([^"]+)"`)
	// reNodeProd finds the file of a "node [flags] FILE" script.
	reNodeProd = regexp.MustCompile(`^(?:NODE_ENV=\w+\s+)?node\s+(?:-{1,2}[\w-]+(?:=\S+)?\s+)*([\w./@-]+)`)
	// reTSRunner finds a TypeScript file run by a dev runner.
	reTSRunner = regexp.MustCompile(`\b(?:ts-node(?:-dev)?|tsx|nodemon|ts-node-esm)\s+(?:-{1,2}[\w-]+(?:=\S+)?\s+)*([\w./@-]+\.ts)\b`)
)

// tsConfig returns the outDir and rootDir of the unit's tsconfig.json
// (read leniently: tsconfig allows comments), or "" for each.
func (d *detector) tsConfig(dir string) (outDir, rootDir string) {
	p := join(dir, "tsconfig.json")
	if !d.idx.has(p) {
		return "", ""
	}
	data, ok := d.r.read(p)
	if !ok {
		return "", ""
	}
	if m := reTSOutDir.FindSubmatch(data); m != nil {
		outDir = strings.TrimSuffix(cleanRel(string(m[1])), "/")
	}
	if m := reTSRootDir.FindSubmatch(data); m != nil {
		rootDir = strings.TrimSuffix(cleanRel(string(m[1])), "/")
	}
	return outDir, rootDir
}

// compiledJS returns the file tsc writes for the TypeScript source src
// ("src/index.ts" with outDir dist → "dist/index.js").
func compiledJS(src, outDir, rootDir string) string {
	js := strings.TrimSuffix(src, ".ts") + ".js"
	if outDir == "" || outDir == "." {
		return js
	}
	if rootDir == "" || rootDir == "." {
		// Without rootDir tsc keeps the common source root; "src" is the
		// usual one.
		rootDir = "src"
	}
	if rest, ok := strings.CutPrefix(js, rootDir+"/"); ok {
		js = rest
	}
	return path.Join(outDir, js)
}

// nodeRunner returns the command that runs a file: bun for bun units.
func nodeRunner(s *Service) string {
	if s.PackageManager == "bun" {
		return "bun"
	}
	return "node"
}

// nodeEntryRanked picks Entry and Start, best first: a start:prod script
// that runs node, a NestJS build output, the start script (its compiled
// output when it runs TypeScript through a dev runner), package.json
// main, bin, a conventional file. It reads the port from the source.
func (d *detector) nodeEntryRanked(s *Service, pj *packageJSON, run func(string) string) {
	start := strings.TrimSpace(pj.Scripts["start"])
	prod := strings.TrimSpace(pj.Scripts["start:prod"])
	build := pj.Scripts["build"]
	outDir, rootDir := d.tsConfig(s.Dir)
	nest := pj.ProdDeps["@nestjs/core"] || strings.Contains(build, "nest build") || strings.HasPrefix(start, "nest start")
	source := "" // the source file to read the port from
	action, actionFile := d.actionRunsMain(s.Dir)
	switch {
	case action != "":
		s.Entry = action
		s.EntryReason = "runs.main of " + actionFile + ": the Actions runner starts it"
	case reNodeProd.MatchString(prod):
		s.Entry = withJS(strings.TrimPrefix(reNodeProd.FindStringSubmatch(prod)[1], "./"))
		s.Start = "node " + s.Entry
		s.EntryReason = "the start:prod script runs " + s.Entry
	case nest:
		out := outDir
		if out == "" {
			out = "dist"
		}
		s.Entry = out + "/main.js"
		s.Start = "node " + s.Entry
		source = "src/main.ts"
		s.EntryReason = "nest build compiles src/main.ts to " + s.Entry
		if s.Build == "" {
			s.Build = run("build")
			if build == "" {
				s.Build = "npx nest build"
			}
		}
	case reTSRunner.MatchString(start) && build != "":
		src := strings.TrimPrefix(reTSRunner.FindStringSubmatch(start)[1], "./")
		s.Entry = compiledJS(src, outDir, rootDir)
		s.Start = nodeRunner(s) + " " + s.Entry
		source = src
		s.EntryReason = fmt.Sprintf("the start script runs %s through a dev runner; the build script compiles it to %s", src, s.Entry)
		if outDir != "" {
			s.EntryReason += " (outDir in tsconfig.json)"
		}
	case start != "":
		s.Entry = nodeEntry(pj.Main, start)
		s.EntryReason = "the start script"
		if m := reNodeRunner.FindStringSubmatch(start); m != nil {
			s.EntryReason = "the start script runs " + s.Entry
		} else if s.Entry != "" {
			s.EntryReason = "the start script (" + start + "); main is " + s.Entry
		}
	case pj.Main != "":
		s.Entry = strings.TrimPrefix(pj.Main, "./")
		s.EntryReason = "package.json main"
		if nodeWebDep(pj) != "" {
			s.Start = nodeRunner(s) + " " + s.Entry
		}
	case len(pj.Bin) > 0:
		name := bestBin(pj)
		s.Entry = strings.TrimPrefix(pj.Bin[name], "./")
		s.Start = "npx " + name
		s.EntryReason = "package.json bin " + name
		if len(pj.Bin) > 1 {
			s.EntryReason += fmt.Sprintf(" (of %d)", len(pj.Bin))
		}
	default:
		for _, n := range nodeConventional {
			if d.idx.has(join(s.Dir, n)) {
				s.Entry = n
				s.EntryReason = n + " is the conventional entry file"
				if strings.HasSuffix(n, ".ts") && s.PackageManager != "bun" {
					if build != "" {
						s.Entry = compiledJS(n, outDir, rootDir)
						source = n
						s.EntryReason = fmt.Sprintf("%s is the conventional entry file; the build script compiles it to %s", n, s.Entry)
					}
				}
				if nodeWebDep(pj) != "" {
					s.Start = nodeRunner(s) + " " + s.Entry
				}
				break
			}
		}
	}
	if source == "" {
		source = s.Entry
	}
	if source != "" && !strings.Contains(source, "..") {
		if file := path.Clean(source); d.idx.has(join(s.Dir, file)) {
			d.sourcePort(s, file)
			d.serverCall(s, file, reNodeListen)
		}
	}
}

// withJS adds .js to an entry written without an extension ("dist/main").
func withJS(p string) string {
	if path.Ext(p) == "" && p != "" {
		return p + ".js"
	}
	return p
}

// bestBin returns the bin named like the package, else the first by name.
func bestBin(pj *packageJSON) string {
	names := make([]string, 0, len(pj.Bin))
	for n := range pj.Bin {
		names = append(names, n)
	}
	sort.Strings(names)
	short := pj.Name
	if i := strings.LastIndexByte(short, '/'); i >= 0 {
		short = short[i+1:]
	}
	for _, n := range names {
		if n == short {
			return n
		}
	}
	return names[0]
}

// Node dependency names that tell what a unit is.
var (
	nodeWebDeps = []string{"@nestjs/core", "express", "fastify", "koa", "@hapi/hapi", "hapi", "next", "nuxt",
		"@remix-run/serve", "@remix-run/node", "hono", "restify", "polka", "@adonisjs/core",
		"@feathersjs/feathers", "@apollo/server", "apollo-server", "elysia", "h3", "sails", "@sveltejs/adapter-node"}
	nodeWorkerDeps = []string{"bullmq", "bull", "bee-queue", "agenda", "@temporalio/worker", "discord.js",
		"telegraf", "grammy", "node-cron", "kafkajs", "amqplib"}
	nodeSiteDeps = []string{"@docusaurus/core", "vitepress", "vuepress", "gatsby", "@11ty/eleventy", "hexo",
		"nextra", "docsify-cli", "@sveltejs/adapter-static"}
	nodeSPADeps = []string{"vite", "react-scripts", "@vue/cli-service", "parcel"}
)

// nodeWebDep returns the first web framework among the production
// dependencies, or "".
func nodeWebDep(pj *packageJSON) string {
	return firstDep(pj.ProdDeps, nodeWebDeps)
}

// nodeKindFacts records what package.json says the unit is.
func (d *detector) nodeKindFacts(s *Service, pj *packageJSON) {
	u := d.unit(s.Dir)
	all := map[string]bool{}
	for _, dep := range pj.Deps {
		all[dep] = true
		u.deps[dep] = true
	}
	web := nodeWebDep(pj)
	if dep := firstDep(all, nodeSiteDeps); dep != "" {
		u.add(KindSite, "depends on %s: a static or docs site", dep)
	}
	if cfg := d.siteConfig(s.Dir); cfg != "" {
		u.add(KindSite, "%s in the directory: a static or docs site", cfg)
	}
	if all["astro"] && !all["@astrojs/node"] {
		u.add(KindSite, "astro without a server adapter builds a static site")
	}
	if f := folderOf(s.Dir, siteFolders); f != "" && web == "" {
		u.add(KindSite, "a package.json in %s/ with no web framework: the docs site", f)
	}
	if web != "" {
		u.add(KindService, "depends on %s", web)
	}
	if cmd := d.procfileProcess(s.Dir, "worker"); cmd != "" && d.procfileProcess(s.Dir, "web") == "" {
		u.add(KindWorker, "the Procfile's worker process (%s)", cmd)
	}
	if dep := firstDep(all, nodeWorkerDeps); dep != "" && s.Port == 0 {
		u.add(KindWorker, "depends on %s, no web framework or port", dep)
	}
	if len(pj.Bin) > 0 {
		u.add(KindCLI, "package.json bin %s, no web framework", bestBin(pj))
	}
	if pj.ProdDeps["@grpc/grpc-js"] {
		u.addWeak(KindService, "depends on @grpc/grpc-js")
	}
	if dep := firstDep(all, nodeSPADeps); dep != "" && web == "" && s.Port == 0 && !reNodeRunner.MatchString(pj.Scripts["start"]) {
		u.add(KindSite, "a %s front-end with no server: it builds static files", dep)
	}
	if pj.Scripts["start"] == "" && (pj.Main != "" || pj.Exports) {
		u.add(KindLibrary, "package.json main or exports, and no start script or bin")
	}
}

// actionRunsMain returns runs.main of an action.yml in dir and the file's
// name, or "".
func (d *detector) actionRunsMain(dir string) (main, file string) {
	for _, name := range []string{"action.yml", "action.yaml"} {
		p := join(dir, name)
		if !d.idx.has(p) {
			continue
		}
		if data, ok := d.r.read(p); ok {
			if m := actionMain(string(data)); m != "" {
				return strings.TrimPrefix(m, "./"), name
			}
		}
	}
	return "", ""
}

// siteConfig returns the static site generator config in dir (mkdocs.yml,
// hugo.toml...), or "".
func (d *detector) siteConfig(dir string) string {
	for _, name := range []string{"mkdocs.yml", "mkdocs.yaml", "hugo.toml", "hugo.yaml", "hugo.json"} {
		if d.idx.has(join(dir, name)) {
			return name
		}
	}
	return ""
}
