// The app's hello function; its greeting comes from the app's top-level shared/.
import { greeting } from "../../../shared/greeting.ts";

Deno.serve((req) => {
  const name = new URL(req.url).searchParams.get("name") ?? "world";
  return Response.json({ message: greeting(name) });
});
