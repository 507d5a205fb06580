/* rbac.c - the permission table. */
#include "auth/rbac.h"

#include <string.h>

static const char *const names[] = {"none", "viewer", "contributor", "editor", "admin", "owner"};

#define BIT(p) (1u << (p))

/* The table: which workspace permissions each role has. */
static const unsigned grants[] = {
    [ROLE_NONE] = 0,
    [ROLE_VIEWER] = BIT(PERM_WS_READ),
    [ROLE_CONTRIBUTOR] = BIT(PERM_WS_READ) | BIT(PERM_WS_DRAFT),
    [ROLE_EDITOR] = BIT(PERM_WS_READ) | BIT(PERM_WS_DRAFT) | BIT(PERM_WS_PUBLISH),
    [ROLE_ADMIN] = BIT(PERM_WS_READ) | BIT(PERM_WS_DRAFT) | BIT(PERM_WS_PUBLISH) |
                   BIT(PERM_WS_CONNECT) | BIT(PERM_WS_MANAGE) | BIT(PERM_WS_ACTIVITY),
    [ROLE_OWNER] = BIT(PERM_WS_READ) | BIT(PERM_WS_DRAFT) | BIT(PERM_WS_PUBLISH) |
                   BIT(PERM_WS_CONNECT) | BIT(PERM_WS_MANAGE) | BIT(PERM_WS_ACTIVITY) |
                   BIT(PERM_WS_DELETE),
};

int rbac_is_workspace_perm(route_perm perm)
{
    return perm >= PERM_WS_READ && perm <= PERM_WS_DELETE;
}

int rbac_allows(role r, route_perm perm)
{
    if (!rbac_is_workspace_perm(perm))
        return 1;
    if (r < ROLE_NONE || r > ROLE_OWNER)
        return 0;
    return (grants[r] & BIT(perm)) != 0;
}

int rbac_role_parse(const char *s, role *out)
{
    for (int i = ROLE_VIEWER; i <= ROLE_OWNER; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (role)i;
            return 0;
        }
    }
    return -1;
}

const char *rbac_role_name(role r)
{
    return (r >= ROLE_NONE && r <= ROLE_OWNER) ? names[r] : "none";
}

int rbac_may_assign(role actor, role from, role to)
{
    if (actor == ROLE_OWNER)
        return 1;
    if (actor == ROLE_ADMIN)
        return from < ROLE_ADMIN && to < ROLE_ADMIN;
    return 0;
}
