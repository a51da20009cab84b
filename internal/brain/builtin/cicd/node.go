package cicd

import (
	"encoding/json"
	"regexp"
	"strings"
)

// ciPackageJSON is the part of package.json CI needs.
type ciPackageJSON struct {
	Scripts        map[string]string `json:"scripts"`
	PackageManager string            `json:"packageManager"`
}

func ciNode(c *ciSvc) ([]ciStep, error) {
	var pkg ciPackageJSON
	if b := c.read("package.json"); b != nil {
		if err := json.Unmarshal(b, &pkg); err != nil {
			c.note("package.json does not parse (%v); no scripts are run", err)
		}
	}
	pm := c.s.PackageManager
	switch {
	case pm == "bun" || c.has("bun.lock") || c.has("bun.lockb") || strings.HasPrefix(pkg.PackageManager, "bun@"):
		return ciBun(c, pkg)
	case pm == "npm" || pm == "yarn" || pm == "pnpm":
	case c.has("pnpm-lock.yaml") || strings.HasPrefix(pkg.PackageManager, "pnpm@"):
		pm = "pnpm"
	case c.has("yarn.lock") || strings.HasPrefix(pkg.PackageManager, "yarn@"):
		pm = "yarn"
	default:
		pm = "npm"
	}
	lock := map[string]string{"npm": "package-lock.json", "yarn": "yarn.lock", "pnpm": "pnpm-lock.yaml"}[pm]
	if pm == "npm" && !c.has(lock) && c.has("npm-shrinkwrap.json") {
		lock = "npm-shrinkwrap.json"
	}
	hasLock := c.has(lock)
	berry := pm == "yarn" && (c.has(".yarnrc.yml") || ciYarnBerry(pkg.PackageManager))

	var steps []ciStep
	if pm == "pnpm" {
		st, err := ciPnpmSetup(c, pkg)
		if err != nil {
			return nil, err
		}
		steps = append(steps, st)
	}
	var w []string
	switch {
	case c.has(".nvmrc"):
		w = append(w, "node-version-file", c.file(".nvmrc"))
	case c.has(".node-version"):
		w = append(w, "node-version-file", c.file(".node-version"))
	case ciVersion(c) != "":
		w = append(w, "node-version", ciVersion(c))
	default:
		w = append(w, "node-version", "lts/*")
		c.note("%s; CI uses the current Node LTS", ciNoVersion(c, ".nvmrc, .node-version, engines"))
	}
	if hasLock && !berry {
		w = append(w, "cache", pm, "cache-dependency-path", c.file(lock))
	}
	setup, err := ciAction("Set up Node", "actions/setup-node", ciWith(w...))
	if err != nil {
		return nil, err
	}
	steps = append(steps, setup)
	if berry {
		steps = append(steps, ciRun("Enable Corepack", "corepack enable"))
	}
	install := map[string]string{"npm": "npm ci", "yarn": "yarn install --frozen-lockfile", "pnpm": "pnpm install --frozen-lockfile"}[pm]
	switch {
	case berry:
		install = "yarn install --immutable"
	case !hasLock:
		install = pm + " install"
		c.note("no %s lock file; CI installs without one (commit a lock file for reproducible builds)", pm)
	}
	steps = append(steps, ciRun("Install dependencies", install))
	return append(steps, ciScripts(pkg, pm)...), nil
}

// ciScripts runs the package's lint, test and build scripts with its
// package manager, in that order.
func ciScripts(pkg ciPackageJSON, pm string) []ciStep {
	var steps []ciStep
	for _, script := range []string{"lint", "test", "build"} {
		body, ok := pkg.Scripts[script]
		if !ok || (script == "test" && strings.Contains(body, "no test specified")) {
			continue
		}
		steps = append(steps, ciRun(strings.ToUpper(script[:1])+script[1:], pm+" run "+script))
	}
	return steps
}

// ciBun is CI for a project on Bun: Bun is set up (the version from
// packageManager, .bun-version or .tool-versions, else the latest), the
// lock file is installed frozen, and the scripts run with bun; without a
// test script, bun's own runner runs when detection saw Bun tests.
func ciBun(c *ciSvc, pkg ciPackageJSON) ([]ciStep, error) {
	var w []string
	switch {
	case strings.HasPrefix(pkg.PackageManager, "bun@"):
		w = append(w, "bun-version", strings.TrimPrefix(pkg.PackageManager, "bun@"))
	case c.has(".bun-version"):
		w = append(w, "bun-version-file", c.file(".bun-version"))
	case c.has(".tool-versions") && strings.Contains(string(c.read(".tool-versions")), "bun "):
		w = append(w, "bun-version-file", c.file(".tool-versions"))
	default:
		w = append(w, "bun-version", "latest")
		c.note("no packageManager \"bun@<version>\", .bun-version or .tool-versions entry; CI uses the latest Bun")
	}
	setup, err := ciAction("Set up Bun", "oven-sh/setup-bun", ciWith(w...))
	if err != nil {
		return nil, err
	}
	install := "bun install --frozen-lockfile"
	if !c.has("bun.lock") && !c.has("bun.lockb") {
		install = "bun install"
		c.note("no bun.lock; CI installs without one (commit it for reproducible builds)")
	}
	steps := []ciStep{setup, ciRun("Install dependencies", install)}
	steps = append(steps, ciScripts(pkg, "bun")...)
	if _, ok := pkg.Scripts["test"]; !ok && c.s.Test == "bun test" {
		steps = append(steps, ciRun("Test", "bun test"))
	}
	return steps, nil
}

// ciYarnBerry reports whether a packageManager field names Yarn 2 or later.
func ciYarnBerry(pm string) bool {
	v, ok := strings.CutPrefix(pm, "yarn@")
	return ok && v != "" && !strings.HasPrefix(v, "1.")
}

// ciPnpmLockMajors maps a pnpm-lock.yaml lockfileVersion to the pnpm major
// that writes it.
var ciPnpmLockMajors = map[string]string{"9.0": "9", "6.0": "8", "5.4": "7"}

var ciPnpmLockRE = regexp.MustCompile(`(?m)^lockfileVersion:\s*['"]?([0-9.]+)['"]?\s*$`)

// ciPnpmSetup installs pnpm: the version in package.json's packageManager
// field when there is one, else the major that writes the lock file.
func ciPnpmSetup(c *ciSvc, pkg ciPackageJSON) (ciStep, error) {
	var w []string
	switch {
	case strings.HasPrefix(pkg.PackageManager, "pnpm@"):
		if c.s.Dir != "." {
			w = append(w, "package_json_file", c.file("package.json"))
		}
	default:
		major := ""
		if m := ciPnpmLockRE.FindSubmatch(c.read("pnpm-lock.yaml")); m != nil {
			major = ciPnpmLockMajors[string(m[1])]
		}
		if major == "" {
			major = "latest"
			c.note("no packageManager field and no known pnpm lockfileVersion; CI installs the latest pnpm (set \"packageManager\": \"pnpm@<version>\" in package.json)")
		} else {
			c.note("no packageManager field; CI uses pnpm %s, the major that writes this lock file", major)
		}
		w = append(w, "version", major)
	}
	return ciAction("Set up pnpm", "pnpm/action-setup", ciWith(w...))
}
