/* pub_registry.c - the publishing adapters by platform. */
#include "platform/publish.h"

#include <string.h>

const pub_ops *pub_for(const char *platform)
{
    static const pub_ops *const all[] = {&pub_facebook, &pub_instagram, &pub_linkedin, &pub_youtube,
                                         &pub_x};
    for (size_t i = 0; platform != NULL && i < sizeof all / sizeof all[0]; i++)
        if (strcmp(all[i]->platform, platform) == 0)
            return all[i];
    return NULL;
}
