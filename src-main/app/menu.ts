import { app, Menu, type MenuItemConstructorOptions } from 'electron';

/**
 * A minimal application menu: the standard roles (so copy/paste and zoom work on every platform and
 * macOS gets its app menu), DevTools only in development, and no links to the web.
 */
export function installAppMenu(options: { devTools: boolean }): void {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    { label: 'File', submenu: [isMac ? { role: 'close' as const } : { role: 'quit' as const }] },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        ...(options.devTools ? [{ role: 'toggleDevTools' as const }] : []),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: `About ${app.getName()}`, click: () => app.showAboutPanel() }] },
  ];
  app.setAboutPanelOptions({ applicationName: 'Batchdeck', applicationVersion: app.getVersion() });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
