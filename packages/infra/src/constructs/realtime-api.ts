import { REALTIME_MANIFESTS } from "@hearth/api-handlers";
import { Construct } from "constructs";
import type { FunctionLinks } from "./function-links.js";
import { HearthFunction } from "./hearth-function.js";
import { WebSocketApi } from "./websocket-api.js";

/**
 * The realtime pushes' WebSocket API with its two functions: the `$connect` authorizer (it
 * verifies ID tokens of the pool's web client; no table) and the routes function (it keeps the
 * Connections table, and nothing else).
 */
export class RealtimeApi extends Construct {
  readonly authorizer: HearthFunction;
  readonly routes: HearthFunction;
  readonly webSocketApi: WebSocketApi;

  constructor(scope: Construct, id: string, props: { links: FunctionLinks }) {
    super(scope, id);
    const { config } = props.links;
    const build = (manifest: (typeof REALTIME_MANIFESTS)[keyof typeof REALTIME_MANIFESTS]) =>
      new HearthFunction(scope, manifest.name, { manifest, config, links: props.links });
    this.authorizer = build(REALTIME_MANIFESTS["realtime-authorizer"]);
    this.routes = build(REALTIME_MANIFESTS["realtime-routes"]);
    this.webSocketApi = new WebSocketApi(scope, "WebSocketApi", {
      config,
      authorizer: this.authorizer.function,
      routes: this.routes.function,
    });
  }
}
