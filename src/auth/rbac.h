/*
 * rbac.h - roles and the one permission table.
 *
 * Every route names the permission it needs (router.h); the server resolves
 * the caller's role in the route's workspace and asks rbac_allows before the
 * handler runs.  Handlers never re-implement these rules.
 */
#ifndef P2S_AUTH_RBAC_H
#define P2S_AUTH_RBAC_H

/* Roles in a workspace, weakest first.  ROLE_NONE = not a member. */
typedef enum role {
    ROLE_NONE = 0,
    ROLE_VIEWER,
    ROLE_CONTRIBUTOR,
    ROLE_EDITOR,
    ROLE_ADMIN,
    ROLE_OWNER
} role;

/* What a route needs. */
typedef enum route_perm {
    PERM_PUBLIC = 0, /* anyone, signed in or not */
    PERM_USER,       /* signed in, by session or API key */
    PERM_SESSION,    /* signed in with a browser session (not an API key) */
    /* Workspace permissions: the route has a {id} workspace parameter. */
    PERM_WS_READ,     /* see the workspace, its members, posts, calendar */
    PERM_WS_DRAFT,    /* create drafts, submit them for approval */
    PERM_WS_PUBLISH,  /* create, approve and schedule posts */
    PERM_WS_CONNECT,  /* connect and disconnect social accounts */
    PERM_WS_MANAGE,   /* members, invitations, name, time zone, billing-like settings */
    PERM_WS_ACTIVITY, /* read the activity log */
    PERM_WS_DELETE    /* delete the workspace */
} route_perm;

/* 1 if perm is one of the workspace permissions. */
int rbac_is_workspace_perm(route_perm perm);

/* 1 if a member with role r may do what perm guards. */
int rbac_allows(role r, route_perm perm);

/* Parse "owner", "admin", "editor", "contributor", "viewer".  0 or -1. */
int rbac_role_parse(const char *s, role *out);

/* Name of a role ("viewer"); "none" for ROLE_NONE. */
const char *rbac_role_name(role r);

/*
 * 1 if an actor with role `actor` may give someone whose role is `from`
 * (ROLE_NONE for an invitation) the role `to` (ROLE_NONE for removal).
 * Owners may do anything; admins only below admin, on people below admin.
 */
int rbac_may_assign(role actor, role from, role to);

#endif
