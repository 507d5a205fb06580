/*
 * http_exec.h - run an adapter job to its end with blocking HTTP calls
 * (libcurl easy interface, timeouts, no redirects followed).  Used where the
 * caller waits anyway (the OAuth callback, a refresh); the publishing engine
 * will drive the same adapters on libcurl's multi interface.
 */
#ifndef P2S_PLATFORM_HTTP_EXEC_H
#define P2S_PLATFORM_HTTP_EXEC_H

#include "platform/platform.h"

/* Which of the adapter's machines to run. */
typedef plat_step (*plat_machine)(plat_job *job, const plat_response *last);

/*
 * Step the machine until PLAT_DONE or PLAT_FAIL, making each request it
 * asks for (at most max_requests).  Returns the final step.
 */
plat_step plat_run(plat_job *job, plat_machine machine, int max_requests);

#endif
