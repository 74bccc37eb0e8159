// Command pulumi-language-python is Jockey's Python language host for the Pulumi engine.
//
// Pulumi's own host lives in an untagged Go module that the module proxy reachable from
// Jockey's build machines does not serve, so Jockey builds this small host against the
// same pulumi/sdk/v3 protocol version as the CLI. It implements what the engine needs to
// run a Python program from the plain CLI (`pulumi preview`/`pulumi up`): it starts the
// SDK's `pulumi-language-python-exec` script in the project's virtualenv, passes config
// through the environment (never the command line) and reports the program's exit.
// Package management (InstallDependencies) is left to Jockey's setup script.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "0.0.0-dev"

// userActionableExitCode is the exit code the exec script uses after it has already shown
// the user an actionable error message; the engine must then bail without a second message.
const userActionableExitCode = 32

func main() {
	tracing := flag.String("tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	flag.String("root", "", "Project root directory (unused; the engine sends it in ProgramInfo)")
	flag.Parse()

	engineAddress := ""
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[len(args)-1]
	}
	execScript, err := findExecScript()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	host := &languageHost{engineAddress: engineAddress, tracing: *tracing, execScript: execScript}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "could not start the language host's gRPC server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from our first line of output.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "language host stopped: %v\n", err)
		os.Exit(1)
	}
}

// findExecScript locates pulumi-language-python-exec next to this binary.
func findExecScript() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot locate the language host binary: %w", err)
	}
	script := filepath.Join(filepath.Dir(self), "pulumi-language-python-exec")
	if _, err := os.Stat(script); err != nil {
		return "", fmt.Errorf("pulumi-language-python-exec must sit next to %s: %w", self, err)
	}
	return script, nil
}

type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	engineAddress string
	tracing       string
	execScript    string

	mu            sync.Mutex
	rootDirectory string
}

func (h *languageHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.EngineAddress != "" {
		h.engineAddress = req.EngineAddress
	}
	if req.RootDirectory != nil {
		h.rootDirectory = *req.RootDirectory
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *languageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// GetRequiredPlugins reports nothing to pre-install: Jockey's setup installs the plugins its
// program uses, automatic plugin acquisition is disabled, and the engine loads each provider
// on first use at the version the Python SDK package requests.
func (h *languageHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

// GetRequiredPackages: see GetRequiredPlugins.
func (h *languageHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// InstallDependencies is refused with a pointer to Jockey's setup, which owns the virtualenv.
func (h *languageHost) InstallDependencies(
	*pulumirpc.InstallDependenciesRequest,
	grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	return status.Error(codes.Unimplemented,
		"Jockey's language host does not install packages: run scripts/setup in the project")
}

func (h *languageHost) About(
	ctx context.Context, req *pulumirpc.AboutRequest,
) (*pulumirpc.AboutResponse, error) {
	python, _ := h.python(req.GetInfo())
	out, err := exec.CommandContext(ctx, python, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("running %s --version: %w", python, err)
	}
	v := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(out)), "Python "))
	return &pulumirpc.AboutResponse{Executable: python, Version: v}, nil
}

// GetProgramDependencies lists the packages installed in the program's Python environment.
func (h *languageHost) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	python, env := h.python(req.GetInfo())
	cmd := exec.CommandContext(ctx, python, "-m", "pip", "list", "--format", "json",
		"--disable-pip-version-check")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing packages with %s -m pip list: %w", python, err)
	}
	var packages []struct{ Name, Version string }
	if err := json.Unmarshal(out, &packages); err != nil {
		return nil, fmt.Errorf("parsing pip list output: %w", err)
	}
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	for _, p := range packages {
		resp.Dependencies = append(resp.Dependencies,
			&pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version})
	}
	return resp, nil
}

// Run executes the Python program through the SDK's exec script and waits for it.
func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	python, env := h.python(req.GetInfo())

	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("encoding config: %w", err)
	}
	secretKeys, err := json.Marshal(req.GetConfigSecretKeys())
	if err != nil {
		return nil, fmt.Errorf("encoding secret config keys: %w", err)
	}
	env = append(env, "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys))

	h.mu.Lock()
	engineAddress, root := h.engineAddress, h.rootDirectory
	h.mu.Unlock()
	if info := req.GetInfo(); info != nil && info.RootDirectory != "" {
		root = info.RootDirectory
	}

	args := []string{"-u", h.execScript,
		"--monitor", req.GetMonitorAddress(),
		"--engine", engineAddress,
		"--project", req.GetProject(),
		"--stack", req.GetStack(),
		"--pwd", req.GetPwd(),
		"--dry_run", strconv.FormatBool(req.GetDryRun()),
		"--parallel", strconv.Itoa(int(req.GetParallel())),
		"--organization", req.GetOrganization(),
	}
	if h.tracing != "" {
		args = append(args, "--tracing", h.tracing)
	}
	if root != "" {
		args = append(args, "--root_directory", root)
	}
	args = append(args, programPath(req))
	args = append(args, req.GetArgs()...)

	cmd := exec.Command(python, args...)
	cmd.Env = env
	cmd.Dir = req.GetPwd()
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := runUntilDone(ctx, cmd); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == userActionableExitCode {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// runUntilDone runs cmd; when ctx ends first, the program gets SIGINT and, after a grace
// period, SIGKILL, so it can finish its in-flight registrations cleanly.
func runUntilDone(ctx context.Context, cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			return <-done
		}
	}
}

// programPath is the program directory (or file) the exec script runs.
func programPath(req *pulumirpc.RunRequest) string {
	info := req.GetInfo()
	if info == nil || info.ProgramDirectory == "" {
		return req.GetProgram()
	}
	if info.EntryPoint == "" || info.EntryPoint == "." {
		return info.ProgramDirectory
	}
	return filepath.Join(info.ProgramDirectory, info.EntryPoint)
}

// python picks the interpreter: the project's `virtualenv` runtime option (relative to the
// project root), else PULUMI_PYTHON_CMD, else python3 on PATH. It returns the environment
// the interpreter runs with.
func (h *languageHost) python(info *pulumirpc.ProgramInfo) (string, []string) {
	env := os.Environ()
	if info != nil && info.Options != nil {
		if venv, ok := info.Options.AsMap()["virtualenv"].(string); ok && venv != "" {
			if !filepath.IsAbs(venv) {
				venv = filepath.Join(info.RootDirectory, venv)
			}
			bin := filepath.Join(venv, "bin")
			env = append(env, "VIRTUAL_ENV="+venv, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
			return filepath.Join(bin, "python"), env
		}
	}
	if cmd := os.Getenv("PULUMI_PYTHON_CMD"); cmd != "" {
		return cmd, env
	}
	return "python3", env
}
