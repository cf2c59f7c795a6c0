/*
 * The settings file (~/.srt-settings.json), loaded with yajl into a typed
 * structure.  Every key the reference srt 0.0.83 accepts on Linux is
 * known here: keys that only mean something on macOS or Windows are
 * accepted and ignored (named under -d); a key whose feature srt does not
 * implement is an error that says so, so a policy is never silently weaker
 * than the user wrote.  Errors name the file and the JSON pointer.
 */
#ifndef SRT_SETTINGS_H
#define SRT_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/domain.h"
#include "policy/addr.h"

/* A filesystem entry: "path" or { "path": ..., "literal": true }. */
struct path_entry {
	char	*raw;		/* as written */
	char	*path;		/* ~ and relative expanded, normalised */
	bool	 literal;	/* never glob-expanded */
	bool	 glob;		/* contains glob characters and !literal */
};

struct path_list {
	struct path_entry	*v;
	size_t			 n;
};

struct str_list {
	char	**v;
	size_t	  n;
};

struct reason {
	char	*entry;		/* exact deniedDomains entry */
	char	*reason;
};

struct ignore_rule {
	char		*command;	/* command pattern, "*" = all */
	struct str_list	 paths;		/* path patterns */
};

struct net_settings {
	bool			 present;	/* "network" key given */
	struct domain_list	 allowed;
	struct domain_list	 denied;
	struct reason		*reasons;
	size_t			 nreasons;
	bool			 strict_allowlist;
	struct addr_list	 denied_resolved;
	struct str_list		 allow_unix_sockets;	/* ignored on Linux */
	bool			 allow_all_unix_sockets;
	bool			 allow_local_binding;	/* ignored on Linux */
	int			 http_proxy_port;	/* 0 = ours */
	int			 socks_proxy_port;	/* 0 = ours */
	char			*mitm_socket;		/* NULL = none */
	struct domain_list	 mitm_domains;
	char			*parent_http;		/* parentProxy.http */
	char			*parent_https;
	char			*parent_no_proxy;
};

struct fs_settings {
	bool			 disabled;	/* "disabled": no fs rules */
	struct path_list	 deny_read;
	struct path_list	 allow_read;
	struct path_list	 allow_write;
	struct path_list	 deny_write;
	bool			 allow_git_config;
};

struct settings {
	char			*source;	/* file name, or "<defaults>" */
	struct net_settings	 net;
	struct fs_settings	 fs;
	struct ignore_rule	*ignore;
	size_t			 nignore;
	bool			 enable_weaker_nested_sandbox;
	bool			 allow_nested_user_namespaces;
	int			 mandatory_deny_search_depth;	/* 1-10, 3 */
	struct str_list		 ignored_keys;	/* accepted, no effect here:
						 * JSON pointers, "/allowPty" */
};

/* One validation problem: all are collected, then reported together. */
struct settings_error {
	char	*pointer;	/* JSON pointer, "" for the document */
	char	*message;
};

struct settings_errors {
	struct settings_error	*v;
	size_t			 n;
};

/* Context for path expansion: home directory and working directory. */
struct settings_env {
	const char	*home;
	const char	*cwd;
};

void	settings_init_defaults(struct settings *, const char *source);
/*
 * Parse and validate a whole document.  0 on success; -1 with every
 * problem in errs (caller frees with settings_errors_free).  On failure
 * *s is left freed and reinitialised to defaults.
 */
int	settings_load_buf(struct settings *, const char *name,
	    const char *buf, size_t len, const struct settings_env *,
	    struct settings_errors *errs);
/*
 * Load a file.  required=false: a missing file yields defaults (the
 * default ~/.srt-settings.json); an empty, unreadable or invalid file is
 * always an error.
 */
int	settings_load_file(struct settings *, const char *path, bool required,
	    const struct settings_env *, struct settings_errors *errs);
void	settings_free(struct settings *);
void	settings_errors_free(struct settings_errors *);
/* Largest settings file read (the file is untrusted input). */
#define SETTINGS_MAX_FILE	(4 * 1024 * 1024)
/* Errors kept per document; one more says how many were dropped. */
#define SETTINGS_MAX_ERRORS	100

/* Print every error as "FILE: POINTER: MESSAGE" lines to fd 2 (just
 * "FILE: MESSAGE" for the document as a whole). */
void	settings_errors_print(const struct settings_errors *,
	    const char *name);

#endif
