import { href } from '../router.js'
import { Notice } from '../components/alerts.js'

export function NotFoundPage({ path }: { path: string }) {
  return (
    <Notice tone="info" title="There is no page here">
      <p>
        Nothing lives at <code>#{path}</code>. <a href={href('/connections')}>Go to Connections</a>
      </p>
    </Notice>
  )
}
