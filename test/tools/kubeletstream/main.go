// kubeletstream is a test tool for berth's e2e suite: a SPDY client, client-go's own, for kubelet's streaming
// endpoints (/exec, /attach, /portForward), which kubelet proxies to the CRI runtime's streaming server.
//
//	kubeletstream exec [-stdin] HOST:PORT NS POD CONTAINER -- CMD [ARG...]
//	kubeletstream attach HOST:PORT NS POD CONTAINER     (stdin, stdout and stderr wired through)
//	kubeletstream portforward HOST:PORT NS POD REMOTE   (prints "port LOCAL" once listening; stops at stdin EOF)
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/transport/spdy"
)

func main() {
	if len(os.Args) < 2 {
		fail(fmt.Errorf("usage: kubeletstream exec|attach|portforward HOST:PORT NS POD ..."))
	}
	flags := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	stdin := flags.Bool("stdin", false, "exec: send this process's stdin to the command")
	flags.Parse(os.Args[2:])
	args := flags.Args()
	if len(args) < 4 {
		fail(fmt.Errorf("%s: want HOST:PORT NS POD and more, got %q", os.Args[1], args))
	}
	// kubelet's server has a self-signed certificate and allows anonymous access in the tests.
	config := &rest.Config{Host: "https://" + args[0], TLSClientConfig: rest.TLSClientConfig{Insecure: true}}
	target := &url.URL{Scheme: "https", Host: args[0]}
	query := url.Values{}
	switch os.Args[1] {
	case "exec", "attach":
		target.Path = "/" + os.Args[1] + "/" + args[1] + "/" + args[2] + "/" + args[3]
		command := args[4:]
		if len(command) > 0 && command[0] == "--" {
			command = command[1:]
		}
		for _, c := range command {
			query.Add("command", c)
		}
		withStdin := *stdin || os.Args[1] == "attach"
		if withStdin {
			query.Set("input", "1")
		}
		query.Set("output", "1")
		query.Set("error", "1")
		query.Set("tty", "0")
		target.RawQuery = query.Encode()
		executor, err := remotecommand.NewSPDYExecutor(config, http.MethodPost, target)
		if err != nil {
			fail(err)
		}
		options := remotecommand.StreamOptions{Stdout: os.Stdout, Stderr: os.Stderr}
		if withStdin {
			options.Stdin = os.Stdin
		}
		fail(executor.StreamWithContext(context.Background(), options))
	case "portforward":
		target.Path = "/portForward/" + args[1] + "/" + args[2]
		transport, upgrader, err := spdy.RoundTripperFor(config)
		if err != nil {
			fail(err)
		}
		dialer := spdy.NewDialer(upgrader, &http.Client{Transport: transport}, http.MethodPost, target)
		stop, ready := make(chan struct{}), make(chan struct{})
		forwarder, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{"0:" + args[3]},
			stop, ready, os.Stderr, os.Stderr)
		if err != nil {
			fail(err)
		}
		go func() {
			<-ready
			ports, err := forwarder.GetPorts()
			if err != nil {
				fail(err)
			}
			fmt.Printf("port %d\n", ports[0].Local)
			io.Copy(io.Discard, os.Stdin)
			close(stop)
		}()
		fail(forwarder.ForwardPorts())
	default:
		fail(fmt.Errorf("unknown subcommand %q", os.Args[1]))
	}
}

// fail exits 0 on a nil error (the stream ended cleanly), else prints the error and exits 1.
func fail(err error) {
	if err == nil {
		os.Exit(0)
	}
	fmt.Fprintln(os.Stderr, "kubeletstream:", err)
	os.Exit(1)
}
