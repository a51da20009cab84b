package gemini

import "google.golang.org/genai"

// toolDecls declares the agent's tools to the model.
func toolDecls() []*genai.Tool {
	str := func(d string) *genai.Schema { return &genai.Schema{Type: genai.TypeString, Description: d} }
	obj := func(req []string, props map[string]*genai.Schema) *genai.Schema {
		return &genai.Schema{Type: genai.TypeObject, Properties: props, Required: req}
	}
	return []*genai.Tool{{FunctionDeclarations: []*genai.FunctionDeclaration{
		{Name: "list_files", Description: "List repository files (with your pending changes) matching a glob such as **/*.go.",
			Parameters: obj([]string{"glob"}, map[string]*genai.Schema{"glob": str("doublestar glob relative to the repository root")})},
		{Name: "read_file", Description: "Read a file (with your pending changes); optional 1-based start and end lines. Secret-looking files are refused.",
			Parameters: obj([]string{"path"}, map[string]*genai.Schema{"path": str("repository-relative path"),
				"start": {Type: genai.TypeInteger}, "end": {Type: genai.TypeInteger}})},
		{Name: "search", Description: "Search files matching a glob for a Go regular expression; returns path:line: text.",
			Parameters: obj([]string{"regex"}, map[string]*genai.Schema{"regex": str("RE2 regular expression"), "glob": str("glob, default **")})},
		{Name: "write_file", Description: "Create or replace a file with the whole new content. Only paths inside your mode's writes globs are allowed. A file the repository already has may be changed only if the task's files name it, only as a small patch (most of its lines kept), and only with a reason.",
			Parameters: obj([]string{"path", "content"}, map[string]*genai.Schema{"path": str("repository-relative path"), "content": str("the complete file"),
				"reason": str("why the file changes; required when the repository already has the file, shown to reviewers")})},
		{Name: "delete_file", Description: "Drop a file you wrote in this task. A file the repository already has is never deleted or renamed.",
			Parameters: obj([]string{"path"}, map[string]*genai.Schema{"path": str("repository-relative path")})},
		{Name: "finish", Description: "Finish the task: your files are validated; errors come back for you to fix.",
			Parameters: obj([]string{"summary"}, map[string]*genai.Schema{"summary": str("what you changed and why")})},
	}}}
}

// run executes one non-finish call; tool errors become a result the model
// sees.
func (t *tools) run(fc *genai.FunctionCall) map[string]any {
	var out map[string]any
	var err error
	a := fc.Args
	switch fc.Name {
	case "list_files":
		out, err = t.listFiles(argString(a, "glob"))
	case "read_file":
		out, err = t.readFile(argString(a, "path"), argInt(a, "start"), argInt(a, "end"))
	case "search":
		out, err = t.search(argString(a, "regex"), argString(a, "glob"))
	case "write_file":
		out, err = t.writeFile(argString(a, "path"), argString(a, "content"), argString(a, "reason"))
	case "delete_file":
		out, err = t.deleteFile(argString(a, "path"))
	default:
		err = toolErr("unknown tool %q; the tools are list_files, read_file, search, write_file, delete_file, finish", fc.Name)
	}
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	return out
}
