import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { endSession } from "#app/utils/session.server.ts";

export async function action({ request }: ActionFunctionArgs) {
  return endSession(request, "/");
}

export async function loader() {
  return redirect("/");
}
