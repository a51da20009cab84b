package stack

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Image is what a unit's own Dockerfile says about the image it builds:
// the user the last stage runs as and the port it exposes. Kubernetes
// needs a numeric user to verify runAsNonRoot, so the uid is worked out
// where the Dockerfile fixes it.
type Image struct {
	// Dockerfile is the file, relative to the repository root.
	Dockerfile string `json:"dockerfile"`
	// User is the last stage's USER as written, its variables expanded
	// ("townsquare", "10001:10001"); empty when the stage sets none, so
	// the image runs as its base image's user (root for most).
	User string `json:"user,omitempty"`
	// UID is the numeric user id User stands for; -1 when the Dockerfile
	// does not fix it (a user created without a uid, or a base image's
	// user this table does not know). 0 is root.
	UID int `json:"uid"`
	// UIDSource says how UID was found ("USER 10001", "useradd -u 991").
	UIDSource string `json:"uid_source,omitempty"`
	// Port is the first port the last stage exposes; 0 when none.
	Port int `json:"port,omitempty"`
}

// NonRoot reports whether the image runs as a known non-root uid.
func (i *Image) NonRoot() bool { return i != nil && i.UID > 0 }

// Problem says, for people, why devops-lead will not deploy the image as
// it is (it deploys only a fixed non-root uid, as restricted pod security
// asks), and what to change; "" when it will.
func (i *Image) Problem() string {
	switch {
	case i == nil:
		return "there is no Dockerfile to build the image from"
	case i.UID == 0 && i.User == "":
		return i.Dockerfile + " sets no USER, so the image runs as root, which devops-lead does not deploy (restricted pod security refuses it too): add a non-root user with a fixed uid (`USER 10001`)"
	case i.UID == 0:
		return i.Dockerfile + " runs as root (USER " + i.User + "), which devops-lead does not deploy (restricted pod security refuses it too): switch to a non-root user with a fixed uid (`USER 10001`)"
	case i.UID < 0:
		return i.Dockerfile + "'s USER " + i.User + " has no fixed uid, so neither devops-lead nor Kubernetes can verify it is not root: create the user with one (`useradd -u 10001 " + userName(i.User) + "`) or write `USER 10001`"
	}
	return ""
}

// wellKnownUsers are base images' users whose uid is the same wherever
// they appear: nobody, and distroless's nonroot.
var wellKnownUsers = map[string]int{"nobody": 65534, "nonroot": 65532}

// reUserAdd finds a user created with a fixed uid: useradd/adduser/
// groupadd-free forms with -u N or --uid N (Debian and Alpine), the name
// being the last word.
var (
	reUserAdd = regexp.MustCompile(`\b(?:useradd|adduser)\b[^;&|]*`)
	reUIDFlag = regexp.MustCompile(`(?:^|\s)(?:-u|--uid)(?:\s+|=)["']?(\d+)["']?`)
	reVarRef  = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::?-[^}]*)?\}?`)
)

// dockerStage is what one stage of a Dockerfile sets, as far as Image
// needs: its variables, USER, created users and EXPOSE.
type dockerStage struct {
	name, base string // the stage's name (AS) and base image
	vars       map[string]string
	user       string
	uids       map[string]int
	port       int
}

// imageOf reads the Dockerfile in dir, if there is one.
func (d *detector) imageOf(dir string) *Image {
	p := join(dir, "Dockerfile")
	if !d.idx.has(p) {
		return nil
	}
	data, ok := d.r.read(p)
	if !ok {
		return nil
	}
	return ImageOf(p, data)
}

// ImageOf reads a Dockerfile's text; it returns nil when the text does
// not parse.
func ImageOf(file string, text []byte) *Image {
	res, err := parser.Parse(bytes.NewReader(text))
	if err != nil || res == nil || res.AST == nil {
		return nil
	}
	global := map[string]string{}
	byName := map[string]*dockerStage{}
	var cur *dockerStage
	for _, n := range res.AST.Children {
		args := nodeArgs(n)
		switch strings.ToLower(n.Value) {
		case "arg":
			for _, a := range args {
				k, v, _ := strings.Cut(a, "=")
				v = strings.Trim(v, `"'`)
				if cur == nil {
					global[k] = v
				} else if g, ok := global[k]; ok && v == "" {
					cur.vars[k] = g
				} else {
					cur.vars[k] = v
				}
			}
		case "env":
			if cur == nil {
				continue
			}
			for i := 0; i+1 < len(args); i += 2 {
				cur.vars[args[i]] = expandVars(strings.Trim(args[i+1], `"'`), cur.vars)
			}
		case "from":
			if len(args) == 0 {
				continue
			}
			base := expandVars(args[0], global)
			cur = &dockerStage{base: strings.ToLower(base), vars: map[string]string{}, uids: map[string]int{}}
			if parent := byName[strings.ToLower(base)]; parent != nil {
				for k, v := range parent.vars {
					cur.vars[k] = v
				}
				for k, v := range parent.uids {
					cur.uids[k] = v
				}
				cur.user, cur.port, cur.base = parent.user, parent.port, parent.base
			}
			if len(args) >= 3 && strings.EqualFold(args[1], "as") {
				cur.name = strings.ToLower(args[2])
				byName[cur.name] = cur
			}
		case "user":
			if cur != nil && len(args) > 0 {
				cur.user = expandVars(args[0], cur.vars)
			}
		case "expose":
			if cur != nil && cur.port == 0 {
				for _, a := range args {
					p, _, _ := strings.Cut(expandVars(a, cur.vars), "/")
					if v, err := strconv.Atoi(p); err == nil && v > 0 && v < 65536 {
						cur.port = v
						break
					}
				}
			}
		case "run":
			if cur != nil {
				cur.addUsers(expandVars(strings.Join(args, " "), cur.vars))
			}
		}
	}
	if cur == nil {
		return nil
	}
	img := &Image{Dockerfile: file, User: cur.user, UID: -1, Port: cur.port}
	name, _, _ := strings.Cut(cur.user, ":")
	switch uid, err := strconv.Atoi(name); {
	case cur.user == "":
		img.UID, img.UIDSource = 0, "no USER: the base image's user"
		if strings.HasPrefix(cur.base, "gcr.io/distroless/") && strings.Contains(cur.base, ":nonroot") {
			img.UID, img.UIDSource = 65532, "the distroless nonroot image's user"
		}
	case err == nil:
		img.UID, img.UIDSource = uid, "USER "+cur.user
	case name == "root":
		img.UID, img.UIDSource = 0, "USER root"
	case cur.uids[name] > 0:
		img.UID, img.UIDSource = cur.uids[name], "the user "+name+" is created with uid "+strconv.Itoa(cur.uids[name])
	case wellKnownUsers[name] > 0:
		img.UID, img.UIDSource = wellKnownUsers[name], "the usual uid of "+name
	case name == "node" && (strings.HasPrefix(cur.base, "node:") || strings.HasPrefix(cur.base, "docker.io/library/node:")):
		img.UID, img.UIDSource = 1000, "the node image's node user"
	}
	return img
}

// userFlagsWithValue are useradd's and adduser's options that take a
// value (Debian and BusyBox spellings).
var userFlagsWithValue = map[string]bool{
	"-u": true, "--uid": true, "-g": true, "--gid": true, "-G": true, "--groups": true, "--ingroup": true,
	"-d": true, "--home": true, "--home-dir": true, "-h": true, "-s": true, "--shell": true,
	"-c": true, "--comment": true, "--gecos": true, "-k": true, "--skel": true, "-K": true,
	"-e": true, "--expiredate": true, "-f": true, "--inactive": true, "-p": true, "--password": true,
}

// addUsers records the users a RUN line creates with a fixed uid.
func (s *dockerStage) addUsers(run string) {
	for _, u := range CreatedUsers(run) {
		if u.UID >= 0 {
			s.uids[u.Name] = u.UID
		}
	}
}

// CreatedUser is a user a RUN line creates with useradd or adduser.
type CreatedUser struct {
	Name string
	// UID is the uid given with -u or --uid; -1 when none is.
	UID int
}

// CreatedUsers lists the users a shell command creates with useradd or
// adduser (Debian and BusyBox spellings), in order: the user is the first
// word that is neither an option nor an option's value.
func CreatedUsers(run string) []CreatedUser {
	var out []CreatedUser
	for _, cmd := range reUserAdd.FindAllString(run, -1) {
		uid := -1
		if m := reUIDFlag.FindStringSubmatch(cmd); m != nil {
			if v, err := strconv.Atoi(m[1]); err == nil {
				uid = v
			}
		}
		fields := strings.Fields(cmd)[1:]
		for i := 0; i < len(fields); i++ {
			f := strings.Trim(fields[i], `"'\`)
			if strings.HasPrefix(f, "-") {
				if userFlagsWithValue[f] {
					i++
				}
				continue
			}
			if f != "" {
				out = append(out, CreatedUser{Name: f, UID: uid})
			}
			break
		}
	}
	return out
}

// nodeArgs are an instruction's arguments as the parser split them.
func nodeArgs(n *parser.Node) []string {
	var out []string
	for a := n.Next; a != nil; a = a.Next {
		out = append(out, a.Value)
	}
	return out
}

// expandVars replaces $NAME and ${NAME} (and ${NAME:-default}) with the
// values vars holds; a name it does not hold keeps its default or stays.
func expandVars(s string, vars map[string]string) string {
	return reVarRef.ReplaceAllStringFunc(s, func(ref string) string {
		m := reVarRef.FindStringSubmatch(ref)
		if v, ok := vars[m[1]]; ok && v != "" {
			return v
		}
		if i := strings.Index(ref, "-"); i > 0 && strings.HasPrefix(ref, "${") {
			return strings.TrimSuffix(ref[i+1:], "}")
		}
		return ref
	})
}

// userName is the name part of a USER value ("app:app" → "app").
func userName(u string) string {
	n, _, _ := strings.Cut(u, ":")
	return n
}
