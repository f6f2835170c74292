// The app's own notify function, which has nothing to do with the scheduler's.
Deno.serve((req) => Response.json({ app: "existing-app", function: "notify", method: req.method }));
