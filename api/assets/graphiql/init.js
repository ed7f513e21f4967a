// Mounts GraphiQL on the page's #graphiql element; its data-endpoint names the GraphQL endpoint.
// Requests carry the headers of the headers editor (such as `Authorization: Bearer …`), which
// GraphiQL does not keep in the browser's storage.
(function () {
  'use strict';
  var root = document.getElementById('graphiql');
  var endpoint = new URL(root.dataset.endpoint, window.location.href).toString();
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: GraphiQL.createFetcher({ url: endpoint }),
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    }),
  );
})();
